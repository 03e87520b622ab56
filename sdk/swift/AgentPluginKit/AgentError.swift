import CAgentHost

/// An error a plugin throws to answer a request with a status and a message.
public struct AgentError: Error, Sendable, CustomStringConvertible {
    public var status: Int32
    public var message: String

    public var description: String { message }

    /// The host or the plugin said the named thing (file, key, agent) does not exist.
    public var isNotFound: Bool { status == Int32(AH_ERR_NOT_FOUND) }

    public static func invalidArgument(_ message: String) -> AgentError { AgentError(status: Int32(AH_ERR_INVALID_ARGUMENT), message: message) }
    public static func unsupported(_ message: String) -> AgentError { AgentError(status: Int32(AH_ERR_UNSUPPORTED), message: message) }
    public static func notFound(_ message: String) -> AgentError { AgentError(status: Int32(AH_ERR_NOT_FOUND), message: message) }
    public static func denied(_ message: String) -> AgentError { AgentError(status: Int32(AH_ERR_DENIED), message: message) }
    public static func cancelled(_ message: String = "cancelled") -> AgentError { AgentError(status: Int32(AH_ERR_CANCELLED), message: message) }
    public static func failed(_ message: String) -> AgentError { AgentError(status: Int32(AH_ERR_INTERNAL), message: message) }
    public static func deadline(_ message: String) -> AgentError { AgentError(status: Int32(AH_ERR_DEADLINE), message: message) }
    public static func unavailable(_ message: String) -> AgentError { AgentError(status: Int32(AH_ERR_UNAVAILABLE), message: message) }
}
