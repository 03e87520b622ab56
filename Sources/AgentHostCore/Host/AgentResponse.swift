/// What an agent answered: UTF-8 JSON bytes, passed through unparsed, and
/// the handoffs it asked for during the call.
public struct AgentResponse: Sendable {
    public let agent: String
    public let capability: String
    public let body: [UInt8]
    public let handoffs: [HandoffRequest]

    public var text: String { String(decoding: body, as: UTF8.self) }
}
