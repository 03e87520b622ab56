/// How contradictory answers from different agents to the same question are
/// settled. Every conflict is recorded with its answers and how it ended.
public enum ConflictResolution: String, Sendable, Hashable, Codable, CaseIterable {
    /// The answer of the agent whose capability has the highest declared priority.
    case priority
    /// The answer most agents gave (ties: the first step's).
    case vote
    /// Nobody wins: the run stops as `escalated` for a person to decide.
    case escalate
}
