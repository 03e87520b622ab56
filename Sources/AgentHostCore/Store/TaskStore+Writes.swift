import Foundation
import GRDB
import Logging

extension TaskStore {
    /// A task's first row: what was asked, and as far as it got before the
    /// first write (routed and started, or already failed).
    struct NewTask: Sendable {
        var parentID: Int64?
        var origin: TaskOrigin
        var capability: String?
        var query: String?
        var payload: [UInt8]
        var agent: String?
        var routedCapability: String?
        var routeReason: String?
        var agentState: AgentState?
        var status: TaskStatus
        var error: String?
        var createdUs: Int64
        var startedUs: Int64?
        var finishedUs: Int64?
        var runID: Int64?
        var step: String?
        /// For a step's attempt: its number from 1, and 0 or the alternative it tried.
        var attempt: Int?
        var alternative: Int?
    }

    /// How a task ended.
    struct Finish: Sendable {
        var id: Int64
        var status: TaskStatus
        var agentState: AgentState
        var result: [UInt8]?
        var error: String?
        var finishedUs: Int64
    }

    /// Writes `tasks` in one transaction, with `events` (whose `taskId` is
    /// the index into `tasks` of the task they belong to), and returns the ids.
    func insert(_ tasks: [NewTask], events: [(index: Int, event: TaskEvent)] = []) throws(StoreError) -> [Int64] {
        try write(atomic: tasks.count > 1 || !events.isEmpty) { db in try insert(tasks, events: events, in: db) }
    }

    /// Writes `tasks` as this host's, in the caller's transaction.
    func insert(_ tasks: [NewTask], events: [(index: Int, event: TaskEvent)] = [], in db: Database) throws -> [Int64] {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO task (parent_id, origin, capability, query, payload, agent, routed_capability, route_reason,
                              agent_state, status, error, created_us, started_us, finished_us, run_id, step, attempt, alternative,
                              attempt_outcome, owner_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        var ids: [Int64] = []
        ids.reserveCapacity(tasks.count)
        for task in tasks {
            try statement.execute(arguments: [
                task.parentID, task.origin.rawValue, task.capability, task.query, Data(task.payload), task.agent,
                task.routedCapability, task.routeReason, task.agentState?.name, task.status.rawValue, task.error,
                task.createdUs, task.startedUs, task.finishedUs, task.runID, task.step, task.attempt, task.alternative,
                task.attempt == nil ? nil : "running", owner,
            ])
            ids.append(db.lastInsertedRowID)
        }
        for (index, event) in events {
            var event = event
            event.taskId = ids[index]
            try Self.insert(event, in: db)
        }
        return ids
    }

    /// Marks pending tasks as started, in one transaction.
    func markStarted(_ ids: [Int64], state: AgentState, at startedUs: Int64) throws(StoreError) {
        try write { db in
            let statement = try db.cachedStatement(sql: """
                UPDATE task SET status = 'in_progress', agent_state = ?, started_us = ? WHERE id = ? AND status = 'pending'
                """)
            for id in ids { try statement.execute(arguments: [state.name, startedUs, id]) }
        }
    }

    /// Writes how tasks ended, with their events, in one transaction. The
    /// last write of a task is the one that must not be lost: a full disk or
    /// a lock held too long is retried, loudly, before the error is thrown.
    func finish(_ finishes: [Finish], events: [TaskEvent] = []) throws(StoreError) {
        try retrying("how task \(finishes.first.map { String($0.id) } ?? "?")\(finishes.count > 1 ? " and \(finishes.count - 1) more" : "") ended") {
            () throws(StoreError) in
            try write(atomic: finishes.count > 1 || !events.isEmpty) { db in try Self.finish(finishes, events: events, in: db) }
        }
    }

    /// Runs `body`, trying again twice (after 0.2 s and 1 s) when the disk is
    /// full or the store is locked; every failure is logged as an error.
    /// `what` is worded only when a write fails: this runs at the end of every task.
    func retrying<T>(_ what: @autoclosure () -> String, _ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        let pauses: [UInt32] = [200_000, 1_000_000]
        var attempt = 0
        while true {
            do {
                return try body()
            } catch where attempt < pauses.count && [.diskFull, .locked, .other].contains(error.kind) {
                Logger(label: "agenthost.store").error("""
                    could not write \(what()) (attempt \(attempt + 1) of \(pauses.count + 1)): \(error); trying again in \(Double(pauses[attempt]) / 1e6) s
                    """)
                usleep(pauses[attempt])
                attempt += 1
            } catch {
                Logger(label: "agenthost.store").error("""
                    could not write \(what()), after \(attempt + 1) attempt(s): \(error). It stays open until this host ends or a later host \
                    finds it abandoned and marks it interrupted
                    """)
                lostWrite.withLock { $0 = "\(what()) could not be written: \(error.kind == .diskFull ? "the disk was full" : error.problem)" }
                throw error
            }
        }
    }

    static func finish(_ finishes: [Finish], events: [TaskEvent], in db: Database) throws {
        let statement = try db.cachedStatement(sql: """
            UPDATE task SET status = ?, agent_state = ?, result = ?, error = ?, finished_us = ? WHERE id = ?
            """)
        for finish in finishes {
            try statement.execute(arguments: [
                finish.status.rawValue, finish.agentState.name, finish.result.map { Data($0) }, finish.error,
                finish.finishedUs, finish.id,
            ])
        }
        for event in events { try insert(event, in: db) }
    }

    /// Writes events that belong to no task being finished (e.g. a tool call
    /// refused outside any task).
    public func record(_ events: [TaskEvent]) throws(StoreError) {
        guard !events.isEmpty else { return }
        try write { db in
            for event in events { try Self.insert(event, in: db) }
        }
    }

    static func insert(_ event: TaskEvent, in db: Database) throws {
        HostMetrics.shared.recorded(event)
        try db.cachedStatement(sql: "INSERT INTO task_event (task_id, at_us, kind, agent, detail) VALUES (?, ?, ?, ?, ?)")
            .execute(arguments: [event.taskId, event.atUs, event.kind.rawValue, event.agent, event.detail])
    }
}
