import Foundation
import GRDB

extension TaskStore {
    /// Writes one model call as soon as it ended: its usage is money spent,
    /// which a crash of the host must not lose, and its answer is what a
    /// resumed step replays.
    func record(_ call: ModelCallRecord) throws(StoreError) {
        try write(atomic: false) { db in
            try db.cachedStatement(sql: """
                INSERT INTO model_call (task_id, run_id, step, agent, sequence, alias, provider, model, request_hash, status, stop_reason,
                                        input_tokens, output_tokens, cost, latency_us, retries, answer, error, at_us)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [
                    call.taskId, call.runId, call.step, call.agent, call.sequence, call.alias, call.provider, call.model, call.requestHash,
                    call.status, call.stopReason, call.inputTokens, call.outputTokens, call.cost, call.latencyUs, call.retries,
                    call.answer, call.error, call.atUs,
                ])
        }
    }

    /// The model calls of run `id`, oldest first.
    public func modelCalls(ofRun id: Int64) throws(StoreError) -> [ModelCallRecord] {
        try read { db in try ModelCallRecord.fetchAll(db, sql: "SELECT * FROM model_call WHERE run_id = ? ORDER BY id", arguments: [id]) }
    }

    /// The model calls of task `id`, oldest first.
    public func modelCalls(ofTask id: Int64) throws(StoreError) -> [ModelCallRecord] {
        try read { db in try ModelCallRecord.fetchAll(db, sql: "SELECT * FROM model_call WHERE task_id = ? ORDER BY id", arguments: [id]) }
    }

    /// Usage per agent: of run `run`, or of every call in the store.
    public func modelUsage(ofRun run: Int64? = nil) throws(StoreError) -> [ModelUsageSummary] {
        try read { db in
            try ModelUsageSummary.fetchAll(db, sql: """
                SELECT agent, COUNT(*) AS calls, SUM(status != 'ok') AS failures, SUM(input_tokens) AS input_tokens,
                       SUM(output_tokens) AS output_tokens, SUM(cost) AS cost, SUM(latency_us) AS latency_us
                FROM model_call \(run == nil ? "" : "WHERE run_id = ?") GROUP BY agent ORDER BY agent
                """, arguments: run.map { [$0] } ?? [])
        }
    }
}
