/// Where a task is in its life. Stored as the raw value.
public enum TaskStatus: String, Sendable, CaseIterable, Codable, CustomStringConvertible {
    case pending
    case inProgress = "in_progress"
    case completed
    case failed
    case cancelled

    public var isFinished: Bool { self == .completed || self == .failed || self == .cancelled }

    public var description: String { rawValue }
}
