/// The state an agent is in for a call, as the host tracks it.
public enum AgentState: UInt32, Sendable, CaseIterable {
    case idle = 0, planning, executing, verifying, learning, done, failed
}

/// A set of states in which a tool is allowed.
public struct AgentStates: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let planning = AgentStates(rawValue: 1 << AgentState.planning.rawValue)
    public static let executing = AgentStates(rawValue: 1 << AgentState.executing.rawValue)
    public static let verifying = AgentStates(rawValue: 1 << AgentState.verifying.rawValue)
    public static let learning = AgentStates(rawValue: 1 << AgentState.learning.rawValue)
    /// Every state in which an agent works.
    public static let working: AgentStates = [.planning, .executing, .verifying, .learning]
}
