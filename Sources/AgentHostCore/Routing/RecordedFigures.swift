/// What the store recorded of one agent answering one capability, over the
/// most recent tasks: the figures a learning router weighs.
public struct RecordedFigures: Sendable, Hashable, Encodable {
    public var agent: String
    public var capability: String
    public var completed: Int
    public var failed: Int
    /// Mean time of the completed tasks, in milliseconds; nil when none completed.
    public var meanMilliseconds: Double?

    public init(agent: String, capability: String, completed: Int, failed: Int, meanMilliseconds: Double?) {
        self.agent = agent
        self.capability = capability
        self.completed = completed
        self.failed = failed
        self.meanMilliseconds = meanMilliseconds
    }

    public var finished: Int { completed + failed }

    /// Completed among finished, smoothed toward one half (Laplace): an agent
    /// with no record is 0.5, one that failed three times of three is 0.2.
    public var successRate: Double { Double(completed + 1) / Double(finished + 2) }

    enum CodingKeys: String, CodingKey {
        case agent, capability, completed, failed
        case meanMilliseconds = "mean_ms"
        case successRate = "success_rate"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(agent, forKey: .agent)
        try c.encode(capability, forKey: .capability)
        try c.encode(completed, forKey: .completed)
        try c.encode(failed, forKey: .failed)
        try c.encodeIfPresent(meanMilliseconds, forKey: .meanMilliseconds)
        try c.encode(successRate, forKey: .successRate)
    }
}
