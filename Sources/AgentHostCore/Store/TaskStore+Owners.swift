import Foundation
import GRDB
import Logging

extension TaskStore {
    /// What a sweep or a stop closed.
    public struct ClosedWork: Sendable, Equatable {
        public var tasks = 0
        public var runs = 0
        public var conversations = 0
        public var isEmpty: Bool { tasks == 0 && runs == 0 && conversations == 0 }
    }

    /// Writes this process's row: the owner of the work it starts.
    static func register(in writer: DatabasePool, path: String) throws(StoreError) -> Int64 {
        let me = ProcessIdentity.current
        let now = WallClock.microseconds()
        do {
            return try writer.write { db in
                try db.execute(sql: """
                    INSERT INTO host (pid, host_name, machine, process_start, command, started_us, heartbeat_us, first_task_id)
                    VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(id), 0) FROM task))
                    """, arguments: [me.pid, me.hostName, me.machine, me.start, Self.commandName(), now, now])
                return db.lastInsertedRowID
            }
        } catch let error as DatabaseError {
            throw StoreError(path: path, doing: "cannot record this host as the owner of its work", error: error)
        } catch {
            throw StoreError(path: path, problem: "cannot record this host as the owner of its work: \(error)")
        }
    }

    /// The program and its subcommand words ("agenthost workflow run"), not
    /// its options or inputs: an `--input` may hold a secret, and the
    /// guardrails never saw the command line.
    static func commandName() -> String {
        let arguments = CommandLine.arguments
        let program = arguments.first.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "?"
        let words = arguments.dropFirst().prefix { !$0.hasPrefix("-") && $0.allSatisfy { $0.isLetter || $0 == "-" } }.prefix(2)
        return ([program] + words).joined(separator: " ")
    }

    /// Ends this process's ownership: what it still holds open is closed as
    /// `status` with `reason`, its leases go, and its row says it ended.
    /// Idempotent; a store opened read-only has nothing to end.
    @discardableResult
    public func close(openWorkAs status: TaskStatus = .interrupted, reason: String? = nil) throws(StoreError) -> ClosedWork {
        guard let owner else { return ClosedWork() }
        let reason = reason ?? lostWrite.withLock { $0 } ?? "the host ended before this ended"
        heartbeat?.stop()
        let work = try write { db in
            try Self.end(owner, openWorkAs: status, reason: reason, endReason: status == .cancelled ? "stopped: \(reason)" : "ended", in: db)
        }
        // Into the main file, so the store is whole without its -wal file (copies, backups, read-only mounts).
        _ = try? writer?.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        return work
    }

    /// Closes `owner`'s open work, frees its leases and marks its row ended, in the caller's transaction.
    /// `at` is when the work stopped: now for a host that closes its own, the
    /// last sign of life of one that died.
    private static func end(_ owner: Int64, openWorkAs status: TaskStatus, reason: String, endReason: String,
                            at stopped: Int64 = WallClock.microseconds(), in db: Database) throws -> ClosedWork {
        let closed = try closeOpenWork(of: owner, as: status, reason: reason, at: stopped, in: db)
        try db.execute(sql: "UPDATE host SET ended_us = ?, end_reason = ? WHERE id = ? AND ended_us IS NULL",
                       arguments: [WallClock.microseconds(), endReason, owner])
        try db.execute(sql: "DELETE FROM lease WHERE holder = ?", arguments: [owner])
        return closed
    }

    /// Tasks pending or in progress, runs running and conversations open of
    /// `owner` become `status`; their error says why, so `tasks list` and
    /// `runs list` can tell a person what happened and how to go on.
    /// Their `finished_us` is `stopped`, or their start if that is later.
    static func closeOpenWork(of owner: Int64, as status: TaskStatus, reason: String, at stopped: Int64 = WallClock.microseconds(),
                              in db: Database) throws -> ClosedWork {
        var closed = ClosedWork()
        let now = stopped
        let word = status.rawValue
        try db.execute(sql: """
            UPDATE task SET status = ?, agent_state = 'FAILED', error = ?, finished_us = MAX(created_us, ?),
                            attempt_outcome = CASE WHEN attempt_outcome = 'running' THEN 'interrupted' ELSE attempt_outcome END,
                            attempt_reason = CASE WHEN attempt_outcome = 'running' THEN ? ELSE attempt_reason END
            WHERE id > (SELECT first_task_id FROM host WHERE id = ?) AND owner_id = ? AND status IN ('pending', 'in_progress', 'waiting_approval')
            """, arguments: [word, "\(word): \(reason)", now, "\(word): \(reason)", owner, owner])
        closed.tasks = db.changesCount
        let runStatus = status == .cancelled ? RunStatus.cancelled : .interrupted
        let runs = try Int64.fetchAll(db, sql: "SELECT id FROM run WHERE owner_id = ? AND status = 'running'", arguments: [owner])
        for run in runs {
            // A resumed hierarchical run's main task is older than its owner's first task: closed here by its run.
            try db.execute(sql: """
                UPDATE task SET status = ?, agent_state = 'FAILED', error = ?, finished_us = MAX(created_us, ?)
                WHERE id = (SELECT main_task_id FROM run WHERE id = ?) AND status IN ('pending', 'in_progress', 'waiting_approval')
                """, arguments: [word, "\(word): \(reason)", now, run])
            closed.tasks += db.changesCount
            try db.execute(sql: "UPDATE run SET status = ?, error = ?, finished_us = MAX(created_us, ?) WHERE id = ?",
                           arguments: [runStatus.rawValue, "\(runStatus.rawValue): \(reason); `agenthost resume \(run)` goes on from its checkpoints", now, run])
            try insert(RunEvent(runId: run, atUs: now, kind: .interrupted, detail: "\(runStatus.rawValue): \(reason)"), in: db)
        }
        closed.runs = runs.count
        try db.execute(sql: "UPDATE conversation SET status = ? WHERE owner_id = ? AND status = 'open'",
                       arguments: [status == .cancelled ? "closed" : "interrupted", owner])
        closed.conversations = db.changesCount
        return closed
    }

    /// Closes the work of every owner that died (killed, or silent for too
    /// long on another machine) as `interrupted`, and frees its leases.
    /// Runs when a process opens the store for writing; never throws: a
    /// store that cannot be swept now is swept by the next host.
    @discardableResult
    func sweep() -> ClosedWork {
        do {
            let dead = try read { db in try Self.deadOwners(db) }
            guard !dead.isEmpty else { return ClosedWork() }
            let closed = try write { db in
                var closed = ClosedWork()
                for id in dead.keys.sorted() {
                    // Once more inside the write lock: another host may have swept it, or it may have beaten since the read.
                    guard let host = try StoredHost.fetchOne(db, key: id), host.endedUs == nil, let reason = host.deathReason() else { continue }
                    let work = try Self.end(id, openWorkAs: .interrupted, reason: reason, endReason: "died: \(reason)",
                                            at: try Self.lastSignOfLife(of: host, in: db), in: db)
                    closed.tasks += work.tasks
                    closed.runs += work.runs
                    closed.conversations += work.conversations
                }
                return closed
            }
            if !closed.isEmpty {
                Logger(label: "agenthost.store").warning("""
                    closed the work of hosts that died: \(closed.tasks) task(s), \(closed.runs) run(s), \(closed.conversations) conversation(s) \
                    are now interrupted; `agenthost runs list` and `agenthost tasks list` show them
                    """)
            }
            return closed
        } catch {
            Logger(label: "agenthost.store").warning("could not close the work of hosts that died: \(error)")
            return ClosedWork()
        }
    }

    /// The last moment `host` is known to have been alive: its last heartbeat,
    /// or the last start or end of a task it ran, whichever is later. Work it
    /// left open stopped then, as far as anyone can tell.
    static func lastSignOfLife(of host: StoredHost, in db: Database) throws -> Int64 {
        let work = try Int64.fetchOne(db, sql: """
            SELECT MAX(MAX(created_us, COALESCE(started_us, 0), COALESCE(finished_us, 0))) FROM task
            WHERE id > (SELECT first_task_id FROM host WHERE id = ?) AND owner_id = ?
            """, arguments: [host.id, host.id])
        return max(host.heartbeatUs, work ?? 0)
    }

    /// What came of a claim on a run.
    enum Claim: Sendable {
        case claimed(StoredRun)
        /// A live host runs it.
        case held(by: StoredHost)
        /// It ended, and is not resumable.
        case ended(RunStatus)
        case missing
    }

    /// Takes run `id` for this process, atomically: it must be resumable
    /// (`running` with a dead owner, `interrupted` or `cancelled`) and held
    /// by no live host; of two claims at once, one wins.
    func claim(run id: Int64) throws(StoreError) -> Claim {
        guard let owner else { throw StoreError(path: path, kind: .readOnly, problem: "was opened read-only; a run cannot be resumed from it") }
        return try write { db -> Claim in
            guard var run = try StoredRun.fetchOne(db, key: id) else { return .missing }
            guard run.status.isResumable else { return .ended(run.status) }
            if run.status == .running, let holder = run.ownerId, let host = try StoredHost.fetchOne(db, key: holder), host.id == owner || host.isAlive {
                return .held(by: host)
            }
            try db.execute(sql: "UPDATE run SET owner_id = ?, status = 'running', error = NULL WHERE id = ?", arguments: [owner, id])
            run.ownerId = owner
            run.status = .running
            return .claimed(run)
        }
    }

    /// The hosts that opened the store to run work, newest first.
    public func hosts(limit: Int = 50) throws(StoreError) -> [StoredHost] {
        try read { db in try StoredHost.order(Column("id").desc).limit(limit).fetchAll(db) }
    }

    public func host(id: Int64) throws(StoreError) -> StoredHost? {
        try read { db in try StoredHost.fetchOne(db, key: id) }
    }

    /// Writes this host's heartbeat now, as its timer does every few seconds.
    public func beatOnce() throws(StoreError) {
        guard let owner else { return }
        try write { db in try Self.beat(owner, in: db) }
    }

    /// Renews this host's heartbeat and its leases (see `Heartbeat`).
    static func beat(_ owner: Int64, in db: Database) throws {
        let now = WallClock.microseconds()
        try db.cachedStatement(sql: "UPDATE host SET heartbeat_us = ? WHERE id = ?").execute(arguments: [now, owner])
        try db.cachedStatement(sql: "UPDATE lease SET expires_us = ? WHERE holder = ?")
            .execute(arguments: [now + LeaseManager.leaseMicroseconds, owner])
    }
}
