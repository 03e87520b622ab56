import Foundation
import GRDB

/// Something an agent wants to do that the policy says a person decides
/// first, and what was decided.
public struct StoredApproval: Sendable, Hashable, Codable, FetchableRecord, TableRecord {
    public static let databaseTableName = "approval"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase

    /// What kind of action waits.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// A typed tool of the agent's own.
        case tool
        /// A capability of another agent, called through the agent (DELEGATE, or a model's tool call).
        case capability
        /// A call of a model alias.
        case model
    }

    public enum Status: String, Sendable, Hashable, Codable {
        case pending, approved, denied
    }

    public var id: Int64
    public var taskId: Int64?
    public var runId: Int64?
    public var step: String?
    public var agent: String
    public var kind: Kind
    /// The tool, capability or model alias.
    public var subject: String
    /// What it would be called with (JSON).
    public var arguments: Data
    public var argumentsHash: String
    public var status: Status
    public var reason: String?
    public var decidedBy: String?
    /// What the approved call returned, once it ran.
    public var result: Data?
    public var resultStatus: Int32?
    public var createdUs: Int64
    public var decidedUs: Int64?
    public var doneUs: Int64?

    public var argumentsText: String { String(decoding: arguments, as: UTF8.self) }
}
