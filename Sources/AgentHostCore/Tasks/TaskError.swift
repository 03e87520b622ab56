/// Why a task failed.
public enum TaskError: Error, Sendable, CustomStringConvertible {
    case routing(RoutingError)
    case call(AgentCallError)
    case handoff(HandoffError)
    /// A DELEGATE action in the agent's reply was malformed or named an unknown agent type.
    case delegate(DelegateParseError)
    /// The agent replied with DELEGATE actions outside EXECUTING.
    case delegateOutsideExecuting(agent: String, state: AgentState)
    case state(AgentStateError)
    /// A delegated task could not be written; it did not run.
    case store(StoreError)

    public var description: String {
        switch self {
        case .routing(let error): error.description
        case .call(let error): error.description
        case .handoff(let error): error.description
        case .delegate(let error): error.description
        case .delegateOutsideExecuting(let agent, let state):
            "agent '\(agent)' replied with DELEGATE actions in state \(state); DELEGATE is allowed in EXECUTING only"
        case .state(let error): error.description
        case .store(let error): error.description
        }
    }

    /// The status a task that failed this way ends with.
    var status: TaskStatus {
        if case .call(.agentFailed(_, _, let status, _)) = self, status == .cancelled || status == .deadlineExceeded {
            return .cancelled
        }
        // Cancelled and then stopped by the host, because it did not return in its grace: still the caller's
        // cancellation (a plugin killed at its deadline stays a failure: it broke its limit).
        if case .call(.pluginFault(_, .cancelled)) = self { return .cancelled }
        return .failed
    }
}
