import GRDB

extension TaskStore {
    /// Per agent and capability, how the most recent `window` tasks ended and
    /// how long the completed ones took: one aggregate over the newest rows of
    /// the primary key, so its cost does not grow with the store.
    public func routingFigures(window: Int) throws(StoreError) -> [RecordedFigures] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT agent, routed_capability AS capability,
                       SUM(status = 'completed') AS completed, SUM(status = 'failed') AS failed,
                       AVG(CASE WHEN status = 'completed' THEN finished_us - started_us END) AS mean_us
                FROM task
                WHERE id > (SELECT COALESCE(MAX(id), 0) FROM task) - ? AND agent IS NOT NULL AND routed_capability IS NOT NULL
                GROUP BY agent, routed_capability
                """, arguments: [window]).map { row in
                RecordedFigures(agent: row["agent"], capability: row["capability"], completed: row["completed"], failed: row["failed"],
                                meanMilliseconds: (row["mean_us"] as Double?).map { $0 / 1000 })
            }
        }
    }
}
