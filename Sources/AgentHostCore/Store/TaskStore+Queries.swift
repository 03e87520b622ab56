import GRDB

extension TaskStore {
    /// The most recent tasks first, optionally only those with `status`.
    /// Open tasks whose host died read as `interrupted`, as the next sweep
    /// will write them (a read-only store is never swept).
    public func tasks(status: TaskStatus? = nil, limit: Int = 50) throws(StoreError) -> [StoredTask] {
        try read { db in
            let dead = try Self.deadOwners(db)
            var request = StoredTask.order(Column("id").desc)
            if let status {
                // An open row may read as interrupted: asked for interrupted ones, the open rows are read too.
                let stored = status == .interrupted ? [TaskStatus.pending, .inProgress, .waitingApproval, .interrupted] : [status]
                request = request.filter(stored.map(\.rawValue).contains(Column("status")))
            }
            return try request.fetchCursor(db).map { Self.settled($0, dead: dead) }
                .filter { status == nil || $0.status == status }.prefix(limit).reduce(into: []) { $0.append($1) }
        }
    }

    public func task(id: Int64) throws(StoreError) -> StoredTask? {
        try read { db in try StoredTask.fetchOne(db, key: id).map { Self.settled($0, dead: try Self.deadOwners(db)) } }
    }

    /// Tasks made by task `id` (delegated or handed off), oldest first.
    public func children(of id: Int64) throws(StoreError) -> [StoredTask] {
        try read { db in
            let dead = try Self.deadOwners(db)
            return try StoredTask.filter(Column("parent_id") == id).order(Column("id")).fetchAll(db).map { Self.settled($0, dead: dead) }
        }
    }

    /// Hosts that have not recorded their end but are dead now, with why.
    static func deadOwners(_ db: Database) throws -> [Int64: String] {
        // A store from before owners were recorded, opened read-only (not migrated), has none.
        guard try db.tableExists("host") else { return [:] }
        let now = WallClock.microseconds()
        var dead: [Int64: String] = [:]
        for host in try StoredHost.filter(sql: "ended_us IS NULL").fetchAll(db) {
            if let reason = host.deathReason(now: now) { dead[host.id] = reason }
        }
        return dead
    }

    /// `task` as the sweep will leave it.
    static func settled(_ task: StoredTask, dead: [Int64: String]) -> StoredTask {
        guard !task.status.isFinished, let owner = task.ownerId, let reason = dead[owner] else { return task }
        var task = task
        task.status = .interrupted
        task.error = "interrupted: \(reason)"
        return task
    }

    /// `run` as the sweep will leave it.
    static func settled(_ run: StoredRun, dead: [Int64: String]) -> StoredRun {
        guard run.status == .running, let owner = run.ownerId, let reason = dead[owner] else { return run }
        var run = run
        run.status = .interrupted
        run.error = "interrupted: \(reason); `agenthost resume \(run.id)` goes on from its checkpoints"
        return run
    }

    /// What happened during task `id`, in order.
    public func events(of id: Int64) throws(StoreError) -> [TaskEvent] {
        try read { db in try TaskEvent.filter(Column("task_id") == id).order(Column("id")).fetchAll(db) }
    }

    /// Events of `kind` across all tasks, most recent first.
    public func events(kind: TaskEvent.Kind, limit: Int = 100) throws(StoreError) -> [TaskEvent] {
        try read { db in
            try TaskEvent.filter(Column("kind") == kind.rawValue).order(Column("id").desc).limit(limit).fetchAll(db)
        }
    }

    /// Counts by status, and per agent its outcomes and latencies.
    public func statistics() throws(StoreError) -> TaskStatistics {
        try read { db in
            var byStatus: [TaskStatus: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM task GROUP BY status") {
                if let status = TaskStatus(rawValue: row["status"]) { byStatus[status] = row["n"] }
            }
            var agents: [String: TaskStatistics.Agent] = [:]
            let rows = try Row.fetchCursor(db, sql: """
                SELECT agent, status, finished_us - started_us AS micros FROM task
                WHERE agent IS NOT NULL AND status IN ('completed', 'failed', 'cancelled', 'interrupted')
                """)
            var latencies: [String: [Int64]] = [:]
            while let row = try rows.next() {
                let agent: String = row["agent"]
                let status = TaskStatus(rawValue: row["status"]) ?? .failed
                agents[agent, default: TaskStatistics.Agent(id: agent)].count(status)
                if let micros: Int64 = row["micros"] { latencies[agent, default: []].append(micros) }
            }
            for (agent, values) in latencies { agents[agent]?.latency = TaskStatistics.Percentiles(values) }
            return TaskStatistics(byStatus: byStatus, agents: agents.values.sorted { $0.id < $1.id })
        }
    }
}
