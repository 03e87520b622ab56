import Foundation
import GRDB

/// A workflow run as the store keeps it: the workflow itself (so it can be
/// resumed), where it stands, and how it ended.
public struct StoredRun: Sendable, Hashable, Codable, FetchableRecord, TableRecord {
    public static let databaseTableName = "run"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase

    public var id: Int64
    public var name: String
    public var mode: String
    /// The workflow as JSON, with its inputs filled in.
    public var workflow: Data
    public var status: RunStatus
    public var result: Data?
    public var error: String?
    /// The task that stands for the whole run in a hierarchical workflow.
    public var mainTaskId: Int64?
    /// How many times the run was resumed after its host stopped.
    public var resumes: Int
    /// The host that runs it, or ran it last (`hosts` in the store).
    public var ownerId: Int64?
    public var createdUs: Int64
    public var finishedUs: Int64?

    public var resultText: String? { result.map { String(decoding: $0, as: UTF8.self) } }
}

/// Where a run stands.
public enum RunStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case running
    case completed
    case failed
    /// Stopped by a signal or a caller; `resume` goes on from its checkpoints.
    case cancelled
    /// Stopped on a conflict that a person must settle.
    case escalated
    /// Ended with some steps failed that were not declared optional; the others completed.
    case partial
    /// Its host died before it ended; `resume` goes on from its checkpoints.
    case interrupted

    /// Whether `resume` takes it up again.
    public var isResumable: Bool { self == .running || self == .interrupted || self == .cancelled }
}

/// A checkpoint: one step of a run that ended, with its result. A run's
/// state is its checkpoints; resuming starts from them.
public struct StepCheckpoint: Sendable, Hashable, Codable, FetchableRecord, TableRecord {
    public static let databaseTableName = "run_step"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase

    public var runId: Int64
    public var step: String
    public var status: StepStatus
    public var result: Data?
    public var error: String?
    public var agent: String?
    public var taskId: Int64?
    public var attempts: Int
    /// The order in which the run's steps ended, from 1.
    public var checkpoint: Int
    public var finishedUs: Int64

    public var resultText: String? { result.map { String(decoding: $0, as: UTF8.self) } }
}

/// How a step of a run ended.
public enum StepStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case completed
    case failed
    /// Not run: a step it needs failed, or a strict step stopped the run.
    case skipped
}

/// One try at a step: which agent, which alternative, and what came of it.
/// Each attempt is a task of the run; these are its attempt columns.
public struct StepAttempt: Sendable, Hashable, Codable, FetchableRecord {
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase

    public enum Outcome: String, Sendable, Hashable, Codable, CaseIterable {
        case running
        case completed
        case failed
        /// The agent answered, and the step's verifier rejected the answer.
        case rejected
        /// The host stopped while it ran; found and closed on resume.
        case interrupted
    }

    /// The attempt's task.
    public var taskId: Int64
    public var runId: Int64
    public var step: String
    /// 1 for a step's first try.
    public var attempt: Int
    /// 0 for the step's own capability, 1... for its declared alternatives.
    public var alternative: Int
    public var agent: String
    public var capability: String?
    public var outcome: Outcome
    public var reason: String?
    public var startedUs: Int64
    public var finishedUs: Int64?

    /// The columns of `task` that make an attempt.
    static let selection = """
        SELECT id AS task_id, run_id, step, attempt, alternative, agent, routed_capability AS capability,
               attempt_outcome AS outcome, attempt_reason AS reason, created_us AS started_us, finished_us
        FROM task
        """
}

/// Something that happened to a run or a conversation as a whole: a
/// backtrack, a conflict and how it was settled, a wait for a lease.
public struct RunEvent: Sendable, Hashable, Codable, FetchableRecord, TableRecord {
    public static let databaseTableName = "run_event"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase

    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case resumed
        case backtracked
        case leaseWaited = "lease_waited"
        case conflict
        /// Its host stopped or died while it ran.
        case interrupted
    }

    public var runId: Int64?
    public var conversationId: Int64?
    public var atUs: Int64
    public var kind: Kind
    public var step: String?
    public var detail: String

    public init(runId: Int64?, conversationId: Int64? = nil, atUs: Int64 = WallClock.microseconds(), kind: Kind,
                step: String? = nil, detail: String) {
        self.runId = runId
        self.conversationId = conversationId
        self.atUs = atUs
        self.kind = kind
        self.step = step
        self.detail = detail
    }
}
