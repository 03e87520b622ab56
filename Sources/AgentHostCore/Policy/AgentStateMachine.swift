/// The legal moves between agent states. The host moves each agent through
/// them for every task; a move not listed here is refused.
///
///     IDLE      -> PLANNING, EXECUTING
///     PLANNING  -> EXECUTING, FAILED
///     EXECUTING -> VERIFYING, LEARNING, DONE, FAILED
///     VERIFYING -> EXECUTING (rework), LEARNING, DONE, FAILED
///     LEARNING  -> DONE, FAILED
///     DONE      -> IDLE (the next task)
///     FAILED    -> IDLE (the next task)
public enum AgentStateMachine {
    /// The states each state may move to, indexed by raw value.
    private static let moves: [AgentStateSet] = [
        /* idle */ AgentStateSet([.planning, .executing]),
        /* planning */ AgentStateSet([.executing, .failed]),
        /* executing */ AgentStateSet([.verifying, .learning, .done, .failed]),
        /* verifying */ AgentStateSet([.executing, .learning, .done, .failed]),
        /* learning */ AgentStateSet([.done, .failed]),
        /* done */ AgentStateSet([.idle]),
        /* failed */ AgentStateSet([.idle]),
    ]

    public static func canMove(from state: AgentState, to next: AgentState) -> Bool {
        moves[Int(state.rawValue)].contains(next)
    }

    /// The states `state` may move to.
    public static func moves(from state: AgentState) -> AgentStateSet { moves[Int(state.rawValue)] }

    /// The path the host walks from IDLE to `state`, so an agent asked to
    /// start in VERIFYING has passed through EXECUTING first.
    public static func path(to state: AgentState) -> [AgentState] {
        switch state {
        case .idle: []
        case .planning, .executing: [state]
        case .verifying, .learning: [.executing, state]
        case .done: [.executing, .done]
        case .failed: [.executing, .failed]
        }
    }

    /// Checks a move, throwing the typed error a caller can show.
    public static func move(from state: AgentState, to next: AgentState, agent: String) throws(AgentStateError) {
        guard canMove(from: state, to: next) else { throw AgentStateError(agent: agent, from: state, to: next) }
    }
}

/// A state change the state machine does not allow.
public struct AgentStateError: Error, Sendable, Hashable, CustomStringConvertible {
    public let agent: String
    public let from: AgentState
    public let to: AgentState

    public var description: String {
        let legal = AgentStateMachine.moves(from: from).states.map(\.name).joined(separator: ", ")
        return "agent '\(agent)' cannot move from \(from) to \(to); from \(from) it may move to \(legal.isEmpty ? "nothing" : legal)"
    }
}
