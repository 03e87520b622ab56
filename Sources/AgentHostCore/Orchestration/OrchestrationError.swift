/// Why a run could not start, or stopped before it could report.
public enum OrchestrationError: Error, Sendable, CustomStringConvertible {
    case invalid(WorkflowValidationError)
    /// The run breaks a limit of the policy or the workflow.
    case refused(workflow: String, reasons: [String])
    case store(StoreError)
    case unknownRun(Int64)
    /// The run already ended; only a run that was interrupted or cancelled can resume.
    case notResumable(Int64, RunStatus)
    /// A live host runs it (its owner, or another `resume`).
    case held(Int64, by: String)
    /// The stored workflow of a run cannot be read back.
    case unreadableRun(Int64, String)

    public var description: String {
        switch self {
        case .invalid(let error): error.description
        case .refused(let workflow, let reasons):
            "workflow '\(workflow)' was refused by policy before it ran: " + reasons.joined(separator: "; ")
        case .store(let error): error.description
        case .unknownRun(let id): "there is no run \(id) in the store; `agenthost runs list` shows the runs"
        case .notResumable(let id, let status):
            "run \(id) is \(status.rawValue); only a run that was interrupted (its host died) or cancelled can be resumed"
        case .held(let id, let host):
            "run \(id) is running on \(host); it cannot be resumed while that host is alive. Wait for it to end, "
                + "or stop it (Ctrl-C, or kill its pid) and resume then"
        case .unreadableRun(let id, let problem): "run \(id) cannot be resumed: its stored workflow \(problem)"
        }
    }
}
