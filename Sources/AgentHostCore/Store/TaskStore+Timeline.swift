import GRDB

extension TaskStore {
    /// Run `id` as a timeline, read in one transaction; nil when there is no such run.
    ///
    /// Its tasks are the run's own (attempts, its main task) and, transitively,
    /// every task they made. A task still open whose host died ends at that
    /// host's last sign of life and reads as interrupted, as the next sweep
    /// will write it.
    public func timeline(ofRun id: Int64, now: Int64 = WallClock.microseconds()) throws(StoreError) -> RunTimeline? {
        try read { db in
            guard let stored = try StoredRun.fetchOne(db, key: id) else { return nil }
            let dead = try Self.deadOwners(db)
            let run = Self.settled(stored, dead: dead)
            var lastSign: [Int64: Int64] = [:]
            for owner in dead.keys {
                if let host = try StoredHost.fetchOne(db, key: owner) { lastSign[owner] = try Self.lastSignOfLife(of: host, in: db) }
            }
            let tree = """
                WITH RECURSIVE tree(id) AS (
                    SELECT id FROM task WHERE run_id = ?
                    UNION SELECT task.id FROM task JOIN tree ON task.parent_id = tree.id)
                """
            let rows = try Row.fetchAll(db, sql: tree + """
                SELECT task.id, parent_id, origin, agent, routed_capability, capability, status, error, step, attempt, alternative,
                       attempt_outcome, attempt_reason, created_us, finished_us, owner_id
                FROM task JOIN tree USING (id) ORDER BY task.id
                """, arguments: [id])
            let taskEvents = try TaskEvent.fetchAll(db, sql: tree + """
                SELECT task_event.* FROM task_event JOIN tree ON task_event.task_id = tree.id ORDER BY task_event.id
                """, arguments: [id])
            let checkpoints = try StepCheckpoint.filter(Column("run_id") == id).order(Column("checkpoint")).fetchAll(db)
            let runEvents = try RunEvent.filter(Column("run_id") == id).order(Column("id")).fetchAll(db)
            return RunTimeline(run: run, main: stored.mainTaskId, tasks: rows, taskEvents: taskEvents, checkpoints: checkpoints,
                               runEvents: runEvents, lastSignOfLife: lastSign, now: now)
        }
    }
}

extension RunTimeline {
    /// Lays out the rows `TaskStore.timeline(ofRun:)` read.
    init(run: StoredRun, main: Int64?, tasks: [Row], taskEvents: [TaskEvent], checkpoints: [StepCheckpoint],
         runEvents: [RunEvent], lastSignOfLife: [Int64: Int64], now: Int64) {
        var bars: [Bar] = []
        var arrows: [Arrow] = []
        for row in tasks {
            let taskID: Int64 = row["id"]
            let parent: Int64? = row["parent_id"]
            let origin = TaskOrigin(rawValue: row["origin"] ?? "") ?? .submitted
            let status = TaskStatus(rawValue: row["status"] ?? "") ?? .pending
            let created: Int64 = row["created_us"]
            let attemptNumber: Int? = row["attempt"]
            let kind: Bar.Kind = taskID == main ? .main
                : attemptNumber != nil ? .attempt
                : origin == .handoff ? .handoff
                : origin == .verification ? .verification
                : origin == .delegated || origin == .callback ? .delegation : .attempt
            var outcome = (row["attempt_outcome"] as String?) ?? status.rawValue
            var reason: String? = row["attempt_reason"] ?? row["error"]
            var end: Int64? = row["finished_us"]
            var open = false
            if end == nil {
                if let owner: Int64 = row["owner_id"], let died = lastSignOfLife[owner] {
                    end = max(created, died)
                    outcome = StepAttempt.Outcome.interrupted.rawValue
                    reason = reason ?? "its host died"
                } else {
                    end = max(created, now)
                    open = true
                    outcome = StepAttempt.Outcome.running.rawValue
                }
            }
            bars.append(Bar(taskId: taskID, parentTaskId: parent, kind: kind, agent: row["agent"] ?? (taskID == main ? "run" : "-"), step: row["step"],
                            number: nil, alternative: row["alternative"] ?? 0,
                            capability: row["routed_capability"] ?? row["capability"], outcome: outcome,
                            reason: outcome == "completed" ? nil : reason, startUs: created, endUs: end ?? created, open: open))
            if let parent, kind != .attempt, kind != .main {
                arrows.append(Arrow(kind: kind, fromTask: parent, toTask: taskID, atUs: created))
            }
        }
        bars.sort { ($0.startUs, $0.taskId) < ($1.startUs, $1.taskId) }
        // Attempts numbered in the order they started, per step: a resumed run's retry of an interrupted attempt is its next.
        var counts: [String: Int] = [:]
        for index in bars.indices where bars[index].kind == .attempt {
            let step = bars[index].step ?? ""
            counts[step, default: 0] += 1
            bars[index].number = counts[step]
        }

        let agentOf = Dictionary(bars.map { ($0.taskId, $0.agent) }, uniquingKeysWith: { first, _ in first })
        var marks: [Mark] = checkpoints.map {
            Mark(kind: "checkpoint", atUs: $0.finishedUs, step: $0.step, agent: $0.agent, taskId: $0.taskId,
                 detail: "checkpoint \($0.checkpoint): \($0.step) \($0.status.rawValue)" + ($0.error.map { ": \($0)" } ?? ""))
        }
        marks += runEvents.map { Mark(kind: $0.kind.rawValue, atUs: $0.atUs, step: $0.step, agent: nil, taskId: nil, detail: $0.detail) }
        marks += taskEvents.map {
            Mark(kind: $0.kind.rawValue, atUs: $0.atUs, step: nil, agent: $0.agent ?? $0.taskId.flatMap { agentOf[$0] },
                 taskId: $0.taskId, detail: $0.detail)
        }

        let runEnd = run.finishedUs ?? (run.status == .running ? now : nil)
        let times = bars.flatMap { [$0.startUs, $0.endUs] } + marks.map(\.atUs) + [run.createdUs] + (runEnd.map { [$0] } ?? [])
        let origin = times.min() ?? run.createdUs
        let last = times.max() ?? origin
        for index in bars.indices {
            bars[index].startUs -= origin
            bars[index].endUs -= origin
        }
        for index in marks.indices { marks[index].atUs -= origin }
        for index in arrows.indices { arrows[index].atUs -= origin }
        marks.sort { $0.atUs < $1.atUs }

        var lanes: [String] = []
        for bar in bars where !lanes.contains(bar.agent) {
            lanes.append(bar.agent)
        }
        self.init(runId: run.id, name: run.name, mode: run.mode, status: run.status, resumes: run.resumes, error: run.error,
                  originUs: origin, durationUs: last - origin, lanes: lanes,
                  bars: bars, marks: marks, arrows: arrows)
    }
}
