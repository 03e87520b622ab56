import GRDB

extension TaskStore {
    /// The most recent tasks first, optionally only those with `status`.
    public func tasks(status: TaskStatus? = nil, limit: Int = 50) throws(StoreError) -> [StoredTask] {
        try read { db in
            var request = StoredTask.order(Column("id").desc).limit(limit)
            if let status { request = request.filter(Column("status") == status.rawValue) }
            return try request.fetchAll(db)
        }
    }

    public func task(id: Int64) throws(StoreError) -> StoredTask? {
        try read { db in try StoredTask.fetchOne(db, key: id) }
    }

    /// Tasks made by task `id` (delegated or handed off), oldest first.
    public func children(of id: Int64) throws(StoreError) -> [StoredTask] {
        try read { db in try StoredTask.filter(Column("parent_id") == id).order(Column("id")).fetchAll(db) }
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
                WHERE agent IS NOT NULL AND status IN ('completed', 'failed', 'cancelled')
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
