/// Where a task is in its life. Stored as the raw value.
public enum TaskStatus: String, Sendable, CaseIterable, Codable, CustomStringConvertible {
    case pending
    case inProgress = "in_progress"
    /// Waiting for a person to approve what its agent wants to do (`agenthost approvals`).
    case waitingApproval = "waiting_approval"
    case completed
    case failed
    /// Stopped by its caller, its deadline or a signal to the host.
    case cancelled
    /// Its host died (or its last write failed) before it ended; it did not finish.
    case interrupted

    public var isFinished: Bool { self != .pending && self != .inProgress && self != .waitingApproval }

    public var description: String { rawValue }
}
