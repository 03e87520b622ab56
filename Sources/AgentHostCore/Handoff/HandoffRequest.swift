/// An agent's request, made during a call, that the host hand its task to
/// another agent once the call returns. Only declared targets are recorded.
public struct HandoffRequest: Sendable, Hashable {
    public let source: String
    public let target: String
    public let reason: String
    /// UTF-8 JSON the source passes on to the target.
    public let context: [UInt8]

    public init(from source: String, to target: String, reason: String, context: [UInt8]) {
        self.source = source
        self.target = target
        self.reason = reason
        self.context = context
    }
}
