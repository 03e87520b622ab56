import GRDB

/// The store's schema, one version after another. A store records the
/// version it is at in `PRAGMA user_version`; opening it applies the
/// versions after that one, all in one exclusive transaction, so any number
/// of processes may open a new store at once: the first applies them, the
/// others wait for its commit and find nothing left to do.
enum StoreSchema {
    /// Each version's SQL, in order; a released one never changes.
    static let versions: [String] = [
        // 1: tasks and events
        """
        CREATE TABLE task (
            id INTEGER PRIMARY KEY,
            parent_id INTEGER REFERENCES task(id),
            origin TEXT NOT NULL,
            capability TEXT,
            query TEXT,
            payload BLOB NOT NULL,
            agent TEXT,
            routed_capability TEXT,
            route_reason TEXT,
            agent_state TEXT,
            status TEXT NOT NULL,
            result BLOB,
            error TEXT,
            created_us INTEGER NOT NULL,
            started_us INTEGER,
            finished_us INTEGER
        );
        CREATE INDEX task_by_status ON task(status);
        CREATE INDEX task_by_agent ON task(agent);
        CREATE INDEX task_by_parent ON task(parent_id);
        CREATE TABLE task_event (
            id INTEGER PRIMARY KEY,
            task_id INTEGER REFERENCES task(id),
            at_us INTEGER NOT NULL,
            kind TEXT NOT NULL,
            agent TEXT,
            detail TEXT NOT NULL
        );
        CREATE INDEX task_event_by_task ON task_event(task_id);
        """,
        // 2: runs, checkpoints, conversations, shared context
        """
        ALTER TABLE task ADD COLUMN run_id INTEGER REFERENCES run(id);
        ALTER TABLE task ADD COLUMN step TEXT;
        ALTER TABLE task ADD COLUMN attempt INTEGER;
        ALTER TABLE task ADD COLUMN alternative INTEGER;
        ALTER TABLE task ADD COLUMN attempt_outcome TEXT;
        ALTER TABLE task ADD COLUMN attempt_reason TEXT;
        CREATE INDEX task_by_run ON task(run_id) WHERE run_id IS NOT NULL;
        -- Every index is written on every step; these two served only full scans (lists filter by status
        -- newest first, statistics group every row), so they go, and a checkpointed step costs less.
        DROP INDEX task_by_status;
        DROP INDEX task_by_agent;
        -- Most tasks have no parent; a partial index is not written for them.
        DROP INDEX task_by_parent;
        CREATE INDEX task_by_parent ON task(parent_id) WHERE parent_id IS NOT NULL;
        CREATE TABLE run (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            mode TEXT NOT NULL,
            workflow BLOB NOT NULL,
            status TEXT NOT NULL,
            result BLOB,
            error TEXT,
            main_task_id INTEGER REFERENCES task(id),
            resumes INTEGER NOT NULL DEFAULT 0,
            created_us INTEGER NOT NULL,
            finished_us INTEGER
        );
        CREATE TABLE run_step (
            run_id INTEGER NOT NULL REFERENCES run(id),
            step TEXT NOT NULL,
            status TEXT NOT NULL,
            result BLOB,
            error TEXT,
            agent TEXT,
            task_id INTEGER REFERENCES task(id),
            attempts INTEGER NOT NULL,
            checkpoint INTEGER NOT NULL,
            finished_us INTEGER NOT NULL,
            PRIMARY KEY (run_id, step)
        ) WITHOUT ROWID;
        CREATE TABLE run_event (
            id INTEGER PRIMARY KEY,
            run_id INTEGER REFERENCES run(id),
            conversation_id INTEGER REFERENCES conversation(id),
            at_us INTEGER NOT NULL,
            kind TEXT NOT NULL,
            step TEXT,
            detail TEXT NOT NULL
        );
        CREATE INDEX run_event_by_run ON run_event(run_id);
        CREATE TABLE conversation (
            id INTEGER PRIMARY KEY,
            strategy TEXT NOT NULL,
            participants BLOB NOT NULL,
            policy BLOB NOT NULL,
            status TEXT NOT NULL,
            next_turn INTEGER NOT NULL DEFAULT 0,
            created_us INTEGER NOT NULL,
            deadline_us INTEGER
        );
        CREATE TABLE conversation_message (
            id INTEGER PRIMARY KEY,
            conversation_id INTEGER NOT NULL REFERENCES conversation(id),
            role TEXT NOT NULL,
            agent TEXT,
            content BLOB NOT NULL,
            task_id INTEGER REFERENCES task(id),
            at_us INTEGER NOT NULL
        );
        CREATE INDEX conversation_message_by_conversation ON conversation_message(conversation_id);
        CREATE TABLE conversation_agent (
            conversation_id INTEGER NOT NULL REFERENCES conversation(id),
            agent TEXT NOT NULL,
            role TEXT NOT NULL,
            turns INTEGER NOT NULL,
            state TEXT NOT NULL,
            last_task_id INTEGER REFERENCES task(id),
            PRIMARY KEY (conversation_id, agent)
        );
        CREATE TABLE shared_context (
            scope TEXT NOT NULL,
            key TEXT NOT NULL,
            value BLOB NOT NULL,
            PRIMARY KEY (scope, key)
        );
        """,
        // 3: owners (the hosts that hold work), and leases held across hosts
        """
        CREATE TABLE host (
            id INTEGER PRIMARY KEY,
            pid INTEGER NOT NULL,
            host_name TEXT NOT NULL,
            -- Where a pid means something: the boot and the pid namespace it was read in.
            machine TEXT NOT NULL,
            -- The process's start time in clock ticks after boot, so a reused pid is not taken for its old owner.
            process_start INTEGER,
            command TEXT NOT NULL,
            started_us INTEGER NOT NULL,
            heartbeat_us INTEGER NOT NULL,
            ended_us INTEGER,
            end_reason TEXT,
            -- The last task id when it started: its tasks all come after it, so closing them reads only newer rows.
            -- (An index of open tasks would do it too, at two more B-tree writes in the commits of every task.)
            first_task_id INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX host_running ON host(id) WHERE ended_us IS NULL;
        ALTER TABLE task ADD COLUMN owner_id INTEGER REFERENCES host(id);
        ALTER TABLE run ADD COLUMN owner_id INTEGER REFERENCES host(id);
        ALTER TABLE conversation ADD COLUMN owner_id INTEGER REFERENCES host(id);
        CREATE TABLE lease (
            resource TEXT NOT NULL,
            holder INTEGER NOT NULL REFERENCES host(id),
            token INTEGER NOT NULL,
            expires_us INTEGER NOT NULL,
            PRIMARY KEY (resource, holder, token)
        ) WITHOUT ROWID;
        -- Work left open by hosts from before owners were recorded can never be claimed by its owner: it was interrupted.
        UPDATE task SET status = 'interrupted', error = 'interrupted: left open by a host that stopped before this store recorded owners'
        WHERE status IN ('pending', 'in_progress');
        UPDATE run SET status = 'interrupted', error = 'interrupted: left running by a host that stopped before this store recorded owners'
        WHERE status = 'running';
        UPDATE conversation SET status = 'interrupted' WHERE status = 'open';
        """,
        // 4: model calls (usage, cost, and the answer a resume replays) and approvals
        """
        CREATE TABLE model_call (
            id INTEGER PRIMARY KEY,
            task_id INTEGER REFERENCES task(id),
            run_id INTEGER REFERENCES run(id),
            step TEXT,
            agent TEXT NOT NULL,
            -- The call's place among its task's model calls, from 1; with request_hash, what a resume matches.
            sequence INTEGER NOT NULL,
            alias TEXT NOT NULL,
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            request_hash TEXT NOT NULL,
            status TEXT NOT NULL,
            stop_reason TEXT,
            input_tokens INTEGER NOT NULL,
            output_tokens INTEGER NOT NULL,
            cost REAL NOT NULL,
            latency_us INTEGER NOT NULL,
            retries INTEGER NOT NULL,
            -- The answer as the events the plugin got, so a resumed step replays it instead of paying again.
            answer BLOB,
            error TEXT,
            at_us INTEGER NOT NULL
        );
        CREATE INDEX model_call_by_task ON model_call(task_id);
        CREATE INDEX model_call_by_run ON model_call(run_id) WHERE run_id IS NOT NULL;
        CREATE TABLE approval (
            id INTEGER PRIMARY KEY,
            task_id INTEGER REFERENCES task(id),
            run_id INTEGER REFERENCES run(id),
            step TEXT,
            agent TEXT NOT NULL,
            kind TEXT NOT NULL,
            subject TEXT NOT NULL,
            arguments BLOB NOT NULL,
            arguments_hash TEXT NOT NULL,
            status TEXT NOT NULL,
            reason TEXT,
            decided_by TEXT,
            -- What the approved call returned: a resume hands it back instead of running the call again.
            result BLOB,
            result_status INTEGER,
            created_us INTEGER NOT NULL,
            decided_us INTEGER,
            done_us INTEGER
        );
        CREATE INDEX approval_pending ON approval(id) WHERE status = 'pending';
        CREATE INDEX approval_by_run ON approval(run_id) WHERE run_id IS NOT NULL;
        """,
    ]

    static var current: Int { versions.count }

    /// The version `db` is at. Stores made before `user_version` was used
    /// recorded their versions in GRDB's migrations table.
    static func version(of db: Database) throws -> Int {
        let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        guard version == 0, try db.tableExists("grdb_migrations") else { return version }
        return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM grdb_migrations WHERE identifier IN (?, ?)",
                                arguments: ["v1: tasks and events", "v2: runs, checkpoints, conversations, shared context"]) ?? 0
    }

    /// Brings `db` to the current version in one exclusive transaction.
    /// Throws `StoreSchema.TooNew` for a store made by a newer host.
    static func migrate(_ db: Database) throws {
        // Most opens find the store current; they need no lock.
        if try version(of: db) == current { return }
        try db.execute(sql: "BEGIN EXCLUSIVE")
        do {
            let found = try version(of: db)
            guard found <= current else { throw TooNew(version: found) }
            for sql in versions[found...] { try db.execute(sql: sql) }
            try db.execute(sql: "PRAGMA user_version = \(current)")
            try db.execute(sql: "COMMIT")
        } catch {
            try? db.execute(sql: "ROLLBACK")
            throw error
        }
    }

    /// A store whose schema is newer than this host's.
    struct TooNew: Error {
        var version: Int
    }
}
