import Foundation
import GRDB

extension TaskStore {
    /// A step's attempt ending (its task's last row and the attempt's
    /// outcome), with the checkpoint it makes when it ends the step.
    struct AttemptEnd: Sendable {
        var taskID: Int64
        var finish: Finish?
        var events: [TaskEvent]
        var outcome: StepAttempt.Outcome
        var reason: String?
        var checkpoint: StepCheckpoint?
    }

    /// Endings not yet written: they ride along with the next write of the
    /// run, so a step's end and the start of the step after it commit together.
    struct PendingWrites: Sendable {
        var ends: [AttemptEnd] = []
        var checkpoints: [StepCheckpoint] = []
        var events: [RunEvent] = []

        var isEmpty: Bool { ends.isEmpty && checkpoints.isEmpty && events.isEmpty }
    }

    /// A run about to start, written with its first attempts.
    struct NewRun: Sendable {
        var name: String
        var mode: String
        var workflow: Data
        var mainTask: NewTask?
    }

    /// Writes a new run if `run` is given, then the `pending` endings, then
    /// the attempts `starts` (tasks in progress, or already failed), in one
    /// transaction. Returns the run's id, its main task's, and the tasks'.
    func beginAttempts(_ starts: [NewTask], run: NewRun?, runID: Int64?, after pending: PendingWrites) throws(StoreError)
        -> (run: Int64, mainTask: Int64?, tasks: [Int64]) {
        try write { db in
            var id = runID ?? 0, main: Int64?
            if let run {
                try db.cachedStatement(sql: "INSERT INTO run (name, mode, workflow, status, created_us, owner_id) VALUES (?, ?, ?, 'running', ?, ?)")
                    // A run starts no later than its first tasks, which were stamped as they were prepared.
                    .execute(arguments: [run.name, run.mode, run.workflow,
                                         (starts.map(\.createdUs) + [run.mainTask?.createdUs].compactMap { $0 }).reduce(WallClock.microseconds(), min),
                                         owner])
                id = db.lastInsertedRowID
                if var task = run.mainTask {
                    task.runID = id
                    main = try insert([task], in: db)[0]
                    try db.execute(sql: "UPDATE run SET main_task_id = ? WHERE id = ?", arguments: [main, id])
                }
            }
            try Self.write(pending, run: id, in: db)
            let tasks = starts.map { task in
                var task = task
                task.runID = id
                if task.parentID == nil, task.origin == .workflow { task.parentID = main }
                return task
            }
            return (id, main, try insert(tasks, in: db))
        }
    }

    /// Writes pending endings on their own, when no start will carry them.
    func flush(_ pending: PendingWrites) throws(StoreError) {
        guard !pending.isEmpty else { return }
        try write { db in try Self.write(pending, run: nil, in: db) }
    }

    /// How attempts ended, their tasks' last rows and the checkpoints of
    /// steps they ended, all in the caller's transaction: a step is never
    /// seen done without its checkpoint.
    /// `run`: the id of a run created in this transaction, for checkpoints made before it had one.
    private static func write(_ pending: PendingWrites, run: Int64?, in db: Database) throws {
        guard !pending.isEmpty else { return }
        let ending = try db.cachedStatement(sql: """
            UPDATE task SET status = ?, agent_state = ?, result = ?, error = ?, finished_us = ?, attempt_outcome = ?, attempt_reason = ?
            WHERE id = ?
            """)
        let outcomeOnly = try db.cachedStatement(sql: "UPDATE task SET attempt_outcome = ?, attempt_reason = ? WHERE id = ?")
        for end in pending.ends {
            if let finish = end.finish {
                try ending.execute(arguments: [finish.status.rawValue, finish.agentState.name, finish.result.map { Data($0) }, finish.error,
                                               finish.finishedUs, end.outcome.rawValue, end.reason, end.taskID])
            } else {
                try outcomeOnly.execute(arguments: [end.outcome.rawValue, end.reason, end.taskID])
            }
            for event in end.events { try insert(event, in: db) }
            if let checkpoint = end.checkpoint { try save(checkpoint, in: db) }
        }
        for var checkpoint in pending.checkpoints {
            if checkpoint.runId == 0, let run { checkpoint.runId = run }
            try save(checkpoint, in: db)
        }
        for event in pending.events { try insert(event, in: db) }
    }

    func finishRun(_ id: Int64, status: RunStatus, result: [UInt8]?, error: String?, mainTask: Finish?, after pending: PendingWrites) throws(StoreError) {
        try write { db in
            try Self.write(pending, run: id, in: db)
            if let mainTask { try Self.finish([mainTask], events: [], in: db) }
            try db.cachedStatement(sql: "UPDATE run SET status = ?, result = ?, error = ?, finished_us = ? WHERE id = ?")
                .execute(arguments: [status.rawValue, result.map { Data($0) }, error, WallClock.microseconds(), id])
        }
    }

    /// Closes what a stopped host left open in run `id`, which this host
    /// has just claimed: its tasks still pending or in progress are
    /// interrupted, and so are their attempts. Returns how many it closed.
    func closeInterrupted(run id: Int64) throws(StoreError) -> Int {
        try write { db in
            let now = WallClock.microseconds()
            let reason = "interrupted: the host stopped before this task ended; run \(id) was resumed"
            try db.execute(sql: """
                UPDATE task SET status = 'interrupted', agent_state = 'FAILED', error = ?, finished_us = ?
                WHERE run_id = ? AND status IN ('pending', 'in_progress', 'waiting_approval') AND id IS NOT (SELECT main_task_id FROM run WHERE id = ?)
                """, arguments: [reason, now, id, id])
            let closed = db.changesCount
            try db.execute(sql: "UPDATE task SET attempt_outcome = 'interrupted', attempt_reason = ? WHERE run_id = ? AND attempt_outcome = 'running'",
                           arguments: [reason, id])
            // The main task of a hierarchical run is this host's now, and open again.
            try db.execute(sql: """
                UPDATE task SET status = 'in_progress', agent_state = 'EXECUTING', error = NULL, finished_us = NULL, owner_id = ?
                WHERE id = (SELECT main_task_id FROM run WHERE id = ?)
                """, arguments: [owner, id])
            try db.execute(sql: "UPDATE run SET status = 'running', resumes = resumes + 1, finished_us = NULL, error = NULL WHERE id = ?", arguments: [id])
            try Self.insert(RunEvent(runId: id, kind: .resumed, detail: "resumed by host \(owner ?? 0); \(closed) interrupted task(s) closed"), in: db)
            return closed
        }
    }

    private static func save(_ checkpoint: StepCheckpoint, in db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO run_step (run_id, step, status, result, error, agent, task_id, attempts, checkpoint, finished_us)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [checkpoint.runId, checkpoint.step, checkpoint.status.rawValue, checkpoint.result, checkpoint.error,
                                     checkpoint.agent, checkpoint.taskId, checkpoint.attempts, checkpoint.checkpoint, checkpoint.finishedUs])
    }

    static func insert(_ event: RunEvent, in db: Database) throws {
        try db.cachedStatement(sql: "INSERT INTO run_event (run_id, conversation_id, at_us, kind, step, detail) VALUES (?, ?, ?, ?, ?, ?)")
            .execute(arguments: [event.runId, event.conversationId, event.atUs, event.kind.rawValue, event.step, event.detail])
    }

    // MARK: - Reading runs

    /// The most recent runs first; a run whose host died reads as `interrupted`.
    public func runs(limit: Int = 50) throws(StoreError) -> [StoredRun] {
        try read { db in
            let dead = try Self.deadOwners(db)
            return try StoredRun.order(Column("id").desc).limit(limit).fetchAll(db).map { Self.settled($0, dead: dead) }
        }
    }

    public func run(id: Int64) throws(StoreError) -> StoredRun? {
        try read { db in try StoredRun.fetchOne(db, key: id).map { Self.settled($0, dead: try Self.deadOwners(db)) } }
    }

    /// The run's checkpoints, in the order its steps ended.
    public func checkpoints(of run: Int64) throws(StoreError) -> [StepCheckpoint] {
        try read { db in try StepCheckpoint.filter(Column("run_id") == run).order(Column("checkpoint")).fetchAll(db) }
    }

    /// Every attempt of the run, in the order they started: its timeline.
    public func attempts(of run: Int64) throws(StoreError) -> [StepAttempt] {
        try read { db in
            try StepAttempt.fetchAll(db, sql: StepAttempt.selection + " WHERE run_id = ? AND attempt IS NOT NULL ORDER BY id", arguments: [run])
        }
    }

    public func events(ofRun run: Int64) throws(StoreError) -> [RunEvent] {
        try read { db in try RunEvent.filter(Column("run_id") == run).order(Column("id")).fetchAll(db) }
    }

    /// The tasks of run `id`, oldest first.
    public func tasks(ofRun run: Int64) throws(StoreError) -> [StoredTask] {
        try read { db in
            let dead = try Self.deadOwners(db)
            return try StoredTask.filter(Column("run_id") == run).order(Column("id")).fetchAll(db).map { Self.settled($0, dead: dead) }
        }
    }
}
