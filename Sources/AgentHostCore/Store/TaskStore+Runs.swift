import Foundation
import GRDB

extension TaskStore {
    /// A step's attempt starting: its task row and its attempt row.
    struct AttemptStart: Sendable {
        var task: NewTask
        var step: String
        var attempt: Int
        var alternative: Int
        var agent: String
        var capability: String?
    }

    /// A step's attempt ending, with the checkpoint it makes when it ends the step.
    struct AttemptEnd: Sendable {
        var attemptID: Int64
        var finish: Finish?
        var events: [TaskEvent]
        var outcome: StepAttempt.Outcome
        var reason: String?
        var checkpoint: StepCheckpoint?
    }

    func insertRun(name: String, mode: String, workflow: Data, mainTask: NewTask?) throws(StoreError) -> (run: Int64, mainTask: Int64?) {
        try write { db in
            try db.execute(sql: "INSERT INTO run (name, mode, workflow, status, created_us) VALUES (?, ?, ?, 'running', ?)",
                           arguments: [name, mode, workflow, WallClock.microseconds()])
            let run = db.lastInsertedRowID
            var main: Int64?
            if var task = mainTask {
                task.runID = run
                main = try Self.insert([task], in: db)[0]
                try db.execute(sql: "UPDATE run SET main_task_id = ? WHERE id = ?", arguments: [main, run])
            }
            try Self.insert(RunEvent(runId: run, kind: .started, detail: "started '\(name)' (\(mode))"), in: db)
            return (run, main)
        }
    }

    /// Writes attempts as started, tasks and attempt rows in one transaction.
    /// Returns (task id, attempt id) for each; a task already failed is
    /// written finished and its attempt row is closed by a later `endAttempts`.
    func beginAttempts(_ starts: [AttemptStart], runID: Int64) throws(StoreError) -> [(task: Int64, attempt: Int64)] {
        try write { db in
            let taskIDs = try Self.insert(starts.map(\.task), in: db)
            let statement = try db.cachedStatement(sql: """
                INSERT INTO run_attempt (run_id, step, attempt, alternative, agent, capability, task_id, outcome, started_us)
                VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?)
                """)
            var ids: [(Int64, Int64)] = []
            for (start, task) in zip(starts, taskIDs) {
                try statement.execute(arguments: [runID, start.step, start.attempt, start.alternative, start.agent, start.capability,
                                                  task, start.task.createdUs])
                ids.append((task, db.lastInsertedRowID))
            }
            return ids
        }
    }

    /// Writes how attempts ended, their tasks' last rows and the checkpoints
    /// of steps they ended, in one transaction: a step is never seen done
    /// without its checkpoint.
    func endAttempts(_ ends: [AttemptEnd], runEvents: [RunEvent] = []) throws(StoreError) {
        try write { db in
            try Self.finish(ends.compactMap(\.finish), events: ends.flatMap(\.events), in: db)
            let statement = try db.cachedStatement(sql: "UPDATE run_attempt SET outcome = ?, reason = ?, finished_us = ? WHERE id = ?")
            let now = WallClock.microseconds()
            for end in ends {
                try statement.execute(arguments: [end.outcome.rawValue, end.reason, now, end.attemptID])
                if let checkpoint = end.checkpoint { try Self.save(checkpoint, in: db) }
            }
            for event in runEvents { try Self.insert(event, in: db) }
        }
    }

    /// Checkpoints of steps that did not run (skipped), and run events.
    func saveCheckpoints(_ checkpoints: [StepCheckpoint], runEvents: [RunEvent] = []) throws(StoreError) {
        guard !checkpoints.isEmpty || !runEvents.isEmpty else { return }
        try write { db in
            for checkpoint in checkpoints { try Self.save(checkpoint, in: db) }
            for event in runEvents { try Self.insert(event, in: db) }
        }
    }

    /// Backtracking: drops the checkpoints of `steps`, whose results are no longer good.
    func dropCheckpoints(run: Int64, steps: [String], event: RunEvent) throws(StoreError) {
        try write { db in
            for step in steps { try db.execute(sql: "DELETE FROM run_step WHERE run_id = ? AND step = ?", arguments: [run, step]) }
            try Self.insert(event, in: db)
        }
    }

    func finishRun(_ id: Int64, status: RunStatus, result: [UInt8]?, error: String?, mainTask: Finish?) throws(StoreError) {
        try write { db in
            if let mainTask { try Self.finish([mainTask], events: [], in: db) }
            try db.execute(sql: "UPDATE run SET status = ?, result = ?, error = ?, finished_us = ? WHERE id = ?",
                           arguments: [status.rawValue, result.map { Data($0) }, error, WallClock.microseconds(), id])
            try Self.insert(RunEvent(runId: id, kind: .finished, detail: error.map { "\(status.rawValue): \($0)" } ?? status.rawValue), in: db)
        }
    }

    /// Closes what a stopped host left open in run `id`: its tasks still
    /// pending or in progress fail as interrupted, and so do their attempts.
    /// Returns how many tasks were closed.
    func closeInterrupted(run id: Int64) throws(StoreError) -> Int {
        try write { db in
            let now = WallClock.microseconds()
            let reason = "interrupted: the host stopped before this task ended; run \(id) was resumed"
            try db.execute(sql: """
                UPDATE task SET status = 'failed', agent_state = 'FAILED', error = ?, finished_us = ?
                WHERE run_id = ? AND status IN ('pending', 'in_progress') AND id IS NOT (SELECT main_task_id FROM run WHERE id = ?)
                """, arguments: [reason, now, id, id])
            let closed = db.changesCount
            try db.execute(sql: "UPDATE run_attempt SET outcome = 'interrupted', reason = ?, finished_us = ? WHERE run_id = ? AND outcome = 'running'",
                           arguments: [reason, now, id])
            try db.execute(sql: "UPDATE run SET status = 'running', resumes = resumes + 1, finished_us = NULL WHERE id = ?", arguments: [id])
            try Self.insert(RunEvent(runId: id, kind: .resumed, detail: "resumed; \(closed) interrupted task(s) closed"), in: db)
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

    public func record(_ events: [RunEvent]) throws(StoreError) {
        guard !events.isEmpty else { return }
        try write { db in for event in events { try Self.insert(event, in: db) } }
    }

    // MARK: - Reading runs

    public func runs(limit: Int = 50) throws(StoreError) -> [StoredRun] {
        try read { db in try StoredRun.order(Column("id").desc).limit(limit).fetchAll(db) }
    }

    public func run(id: Int64) throws(StoreError) -> StoredRun? {
        try read { db in try StoredRun.fetchOne(db, key: id) }
    }

    /// The run's checkpoints, in the order its steps ended.
    public func checkpoints(of run: Int64) throws(StoreError) -> [StepCheckpoint] {
        try read { db in try StepCheckpoint.filter(Column("run_id") == run).order(Column("checkpoint")).fetchAll(db) }
    }

    /// Every attempt of the run, in the order they started: its timeline.
    public func attempts(of run: Int64) throws(StoreError) -> [StepAttempt] {
        try read { db in try StepAttempt.filter(Column("run_id") == run).order(Column("id")).fetchAll(db) }
    }

    public func events(ofRun run: Int64) throws(StoreError) -> [RunEvent] {
        try read { db in try RunEvent.filter(Column("run_id") == run).order(Column("id")).fetchAll(db) }
    }

    /// The tasks of run `id`, oldest first.
    public func tasks(ofRun run: Int64) throws(StoreError) -> [StoredTask] {
        try read { db in try StoredTask.filter(Column("run_id") == run).order(Column("id")).fetchAll(db) }
    }
}
