/// What a run may use, checked before it starts (``PlanCheck``) and while it
/// runs (the resource pool). Set in the host policy's `orchestration`
/// section and in a workflow's `limits`; the tighter of the two applies.
public struct OrchestrationLimits: Sendable, Hashable, Codable {
    /// Most steps in one run.
    public var maxSteps: Int?
    /// Most distinct agents one run may use.
    public var maxAgents: Int?
    /// Most steps of one run in flight at once.
    public var maxConcurrency: Int?
    /// Most calls in flight into any one agent, across runs.
    public var perAgentConcurrency: Int?

    public static let unlimited = OrchestrationLimits()

    public init(maxSteps: Int? = nil, maxAgents: Int? = nil, maxConcurrency: Int? = nil, perAgentConcurrency: Int? = nil) {
        self.maxSteps = maxSteps
        self.maxAgents = maxAgents
        self.maxConcurrency = maxConcurrency
        self.perAgentConcurrency = perAgentConcurrency
    }

    /// The tighter of two limits, field by field.
    public func tightened(by other: OrchestrationLimits) -> OrchestrationLimits {
        func min(_ a: Int?, _ b: Int?) -> Int? {
            switch (a, b) {
            case let (a?, b?): Swift.min(a, b)
            default: a ?? b
            }
        }
        return OrchestrationLimits(maxSteps: min(maxSteps, other.maxSteps), maxAgents: min(maxAgents, other.maxAgents),
                                   maxConcurrency: min(maxConcurrency, other.maxConcurrency),
                                   perAgentConcurrency: min(perAgentConcurrency, other.perAgentConcurrency))
    }
}
