import Foundation
import GRDB

/// A task as the store keeps it: what was asked, who answered, and how it ended.
public struct StoredTask: Sendable, Hashable, Codable, FetchableRecord, TableRecord {
    public static let databaseTableName = "task"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase

    public var id: Int64
    /// The task that made this one (by DELEGATE or handoff), if any.
    public var parentId: Int64?
    public var origin: TaskOrigin
    /// The capability asked for; nil when the task was routed from free text.
    public var capability: String?
    /// The free text the task was routed from, if any.
    public var query: String?
    /// The payload as the agent received it (after any redaction).
    public var payload: Data
    public var agent: String?
    /// The capability the chosen agent ran.
    public var routedCapability: String?
    /// Why the router chose this agent, in words.
    public var routeReason: String?
    public var agentState: String?
    public var status: TaskStatus
    public var result: Data?
    public var error: String?
    /// Microseconds since the Unix epoch.
    public var createdUs: Int64
    public var startedUs: Int64?
    public var finishedUs: Int64?
    /// The workflow run and step this task was an attempt of, if any.
    public var runId: Int64?
    public var step: String?
    /// The host that ran it (`hosts` in the store).
    public var ownerId: Int64?

    public var resultText: String? { result.map { String(decoding: $0, as: UTF8.self) } }
    public var payloadText: String { String(decoding: payload, as: UTF8.self) }

    /// How long the agent worked on it, once it finished.
    public var durationMicroseconds: Int64? {
        guard let startedUs, let finishedUs else { return nil }
        return finishedUs - startedUs
    }
}
