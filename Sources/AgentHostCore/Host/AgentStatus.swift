import CAgentHost

/// The status a call ends with; raw values are the ABI's `ah_status`.
public enum AgentStatus: Int32, Sendable, CustomStringConvertible {
    case ok = 0
    case invalidArgument = 1
    case unsupported = 2
    case notFound = 3
    case denied = 4
    case cancelled = 5
    case deadlineExceeded = 6
    case internalError = 7
    case unavailable = 8

    /// An unknown status from a newer plugin reads as an internal error.
    public init(code: Int32) { self = AgentStatus(rawValue: code) ?? .internalError }

    public var description: String {
        switch self {
        case .ok: "ok"
        case .invalidArgument: "invalid argument"
        case .unsupported: "unsupported"
        case .notFound: "not found"
        case .denied: "denied"
        case .cancelled: "cancelled"
        case .deadlineExceeded: "deadline exceeded"
        case .internalError: "internal error"
        case .unavailable: "unavailable"
        }
    }
}
