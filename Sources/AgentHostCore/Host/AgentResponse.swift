/// What an agent answered: UTF-8 JSON bytes, passed through unparsed unless
/// a guardrail redacted them, the handoffs it asked for during the call, and
/// what the host recorded on the way (redactions, refused tools and services).
public struct AgentResponse: Sendable {
    public let agent: String
    public let capability: String
    public let body: [UInt8]
    public let handoffs: [HandoffRequest]
    public let events: [TaskEvent]

    public var text: String { String(decoding: body, as: UTF8.self) }
}
