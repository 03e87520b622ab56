import Foundation
import GRDB

/// One model call as the store keeps it: who made it, for which task and
/// run step, what it used and cost, and the answer a resume replays.
public struct ModelCallRecord: Sendable, Hashable, Codable, FetchableRecord, TableRecord {
    public static let databaseTableName = "model_call"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase

    public var id: Int64?
    public var taskId: Int64?
    public var runId: Int64?
    public var step: String?
    public var agent: String
    public var sequence: Int
    public var alias: String
    public var provider: String
    /// The model that answered (the provider's name for it).
    public var model: String
    public var requestHash: String
    /// `ok` or `failed`.
    public var status: String
    public var stopReason: String?
    public var inputTokens: Int
    public var outputTokens: Int
    public var cost: Double
    public var latencyUs: Int64
    public var retries: Int
    /// The events the plugin got, JSON lines; nil for a failed call.
    public var answer: Data?
    public var error: String?
    public var atUs: Int64
}

/// Model usage summed over a set of calls: an agent's, a run's, a task's.
public struct ModelUsageSummary: Sendable, Hashable, FetchableRecord {
    public var agent: String
    public var calls: Int
    public var failures: Int
    public var inputTokens: Int
    public var outputTokens: Int
    public var cost: Double
    public var latencyUs: Int64

    public init(row: Row) throws {
        agent = row["agent"]
        calls = row["calls"]
        failures = row["failures"]
        inputTokens = row["input_tokens"]
        outputTokens = row["output_tokens"]
        cost = row["cost"]
        latencyUs = row["latency_us"]
    }

    public init(agent: String, calls: Int = 0, failures: Int = 0, inputTokens: Int = 0, outputTokens: Int = 0, cost: Double = 0, latencyUs: Int64 = 0) {
        self.agent = agent
        self.calls = calls
        self.failures = failures
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.cost = cost
        self.latencyUs = latencyUs
    }

    /// All of `summaries` together, under `agent`.
    public static func total(_ summaries: [ModelUsageSummary], as agent: String = "all") -> ModelUsageSummary {
        summaries.reduce(ModelUsageSummary(agent: agent)) { sum, next in
            ModelUsageSummary(agent: agent, calls: sum.calls + next.calls, failures: sum.failures + next.failures,
                              inputTokens: sum.inputTokens + next.inputTokens, outputTokens: sum.outputTokens + next.outputTokens,
                              cost: sum.cost + next.cost, latencyUs: sum.latencyUs + next.latencyUs)
        }
    }
}
