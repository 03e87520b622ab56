import Foundation
import GRDB

extension TaskStore {
    /// A new approval request, and task `taskID` (if any) waiting for it, in one write.
    func requestApproval(taskID: Int64?, runID: Int64?, step: String?, agent: String, kind: StoredApproval.Kind, subject: String,
                         arguments: [UInt8], argumentsHash: String) throws(StoreError) -> Int64 {
        try write { db in
            let now = WallClock.microseconds()
            try db.execute(sql: """
                INSERT INTO approval (task_id, run_id, step, agent, kind, subject, arguments, arguments_hash, status, created_us)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)
                """, arguments: [taskID, runID, step, agent, kind.rawValue, subject, Data(arguments), argumentsHash, now])
            let id = db.lastInsertedRowID
            if let taskID {
                try db.execute(sql: "UPDATE task SET status = 'waiting_approval' WHERE id = ? AND status = 'in_progress'", arguments: [taskID])
                try db.execute(sql: "INSERT INTO task_event (task_id, at_us, kind, agent, detail) VALUES (?, ?, ?, ?, ?)", arguments: [
                    taskID, now, TaskEvent.Kind.approvalRequested.rawValue, agent,
                    "approval \(id): \(kind.rawValue) '\(subject)' waits for a person (agenthost approvals approve \(id))",
                ])
            }
            return id
        }
    }

    /// Task `taskID` goes on after a decision (or a recorded result) let it.
    func resumeWaitingTask(_ taskID: Int64?, approval: StoredApproval) throws(StoreError) {
        guard let taskID else { return }
        try write { db in
            try db.execute(sql: "UPDATE task SET status = 'in_progress' WHERE id = ? AND status = 'waiting_approval'", arguments: [taskID])
            try db.execute(sql: "INSERT INTO task_event (task_id, at_us, kind, agent, detail) VALUES (?, ?, ?, ?, ?)", arguments: [
                taskID, WallClock.microseconds(), TaskEvent.Kind.approvalDecided.rawValue, approval.agent,
                "approval \(approval.id) \(approval.status.rawValue)\(approval.decidedBy.map { " by \($0)" } ?? "")"
                    + "\(approval.reason.map { ": \($0)" } ?? "")",
            ])
        }
    }

    /// Keeps what an approved call returned, so a resumed step gets it back instead of running the call again.
    func recordApprovalResult(_ id: Int64, status: Int32, result: [UInt8]) throws(StoreError) {
        try write(atomic: false) { db in
            try db.execute(sql: "UPDATE approval SET result = ?, result_status = ?, done_us = ? WHERE id = ?",
                           arguments: [Data(result), status, WallClock.microseconds(), id])
        }
    }

    /// Approvals of the same action in the same place (run step, or task), oldest first.
    func approvals(runID: Int64?, step: String?, taskID: Int64?, agent: String, kind: StoredApproval.Kind, subject: String,
                   argumentsHash: String) throws(StoreError) -> [StoredApproval] {
        try read { db in
            if let runID, let step {
                return try StoredApproval.fetchAll(db, sql: """
                    SELECT * FROM approval WHERE run_id = ? AND step = ? AND agent = ? AND kind = ? AND subject = ? AND arguments_hash = ? ORDER BY id
                    """, arguments: [runID, step, agent, kind.rawValue, subject, argumentsHash])
            }
            guard let taskID else { return [] }
            return try StoredApproval.fetchAll(db, sql: """
                SELECT * FROM approval WHERE task_id = ? AND agent = ? AND kind = ? AND subject = ? AND arguments_hash = ? ORDER BY id
                """, arguments: [taskID, agent, kind.rawValue, subject, argumentsHash])
        }
    }

    public func approval(id: Int64) throws(StoreError) -> StoredApproval? {
        try read { db in try StoredApproval.fetchOne(db, sql: "SELECT * FROM approval WHERE id = ?", arguments: [id]) }
    }

    /// Approvals, newest first: the pending ones only, or all.
    public func approvals(pendingOnly: Bool, limit: Int = 100) throws(StoreError) -> [StoredApproval] {
        try read { db in
            try StoredApproval.fetchAll(db, sql: "SELECT * FROM approval \(pendingOnly ? "WHERE status = 'pending'" : "") ORDER BY id DESC LIMIT ?",
                                        arguments: [limit])
        }
    }

    /// What deciding an approval found.
    public enum ApprovalDecision: Sendable, Equatable {
        case decided(StoredApproval)
        /// It was decided before (by this or another person); nothing changed.
        case alreadyDecided(StoredApproval)
        case notFound
    }

    /// Approves or denies approval `id`, from any process: the host waiting
    /// for it sees the decision at its next look, and a host that resumes
    /// the run later finds it.
    public func decide(approval id: Int64, approve: Bool, reason: String?, by person: String) throws(StoreError) -> ApprovalDecision {
        try write { db in
            guard let found = try StoredApproval.fetchOne(db, sql: "SELECT * FROM approval WHERE id = ?", arguments: [id]) else { return .notFound }
            guard found.status == .pending else { return .alreadyDecided(found) }
            try db.execute(sql: "UPDATE approval SET status = ?, reason = ?, decided_by = ?, decided_us = ? WHERE id = ? AND status = 'pending'",
                           arguments: [approve ? "approved" : "denied", reason, person, WallClock.microseconds(), id])
            return .decided(try StoredApproval.fetchOne(db, sql: "SELECT * FROM approval WHERE id = ?", arguments: [id])!)
        }
    }
}
