import Foundation
import GRDB

/// Tasks and their events in one SQLite file (WAL). Writes are serialized by
/// GRDB's writer; reads run concurrently with them.
///
/// Durability: `synchronous = NORMAL` in WAL mode, so a committed write
/// survives the host being killed (the guarantee the runtime needs: nothing
/// reported is lost when the process dies), though not a power cut.
public final class TaskStore: Sendable {
    public let path: String
    let database: DatabasePool

    /// `~/.agenthost/state.sqlite`, or `$AGENTHOST_HOME/state.sqlite`.
    public static func defaultPath() -> String {
        let environment = ProcessInfo.processInfo.environment
        // $HOME before the passwd entry, as the plugin search path does: a
        // test or CI run with its own HOME never touches the user's store.
        let user = environment["HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser
        let home = environment["AGENTHOST_HOME"].map { URL(fileURLWithPath: $0) } ?? user.appendingPathComponent(".agenthost")
        return home.appendingPathComponent("state.sqlite").path
    }

    /// Opens the store at `path`, creating it and its folder when missing and
    /// bringing an older schema up to date.
    public init(path: String = TaskStore.defaultPath()) throws(StoreError) {
        self.path = path
        do {
            try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(),
                                                    withIntermediateDirectories: true)
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
                // 16 MB of page cache per connection (SQLite's default is 2 MB): a store that holds
                // hundreds of thousands of tasks keeps the pages a step touches in memory.
                try db.execute(sql: "PRAGMA cache_size = -16384")
            }
            database = try DatabasePool(path: path, configuration: configuration)
            // Two processes opening a new store at once may both start the
            // migrations; the one that loses sees them applied on a retry.
            var attempt = 0
            while true {
                do {
                    try Self.migrator.migrate(database)
                    break
                } catch let error as DatabaseError where attempt < 5 && [.SQLITE_ERROR, .SQLITE_CONSTRAINT].contains(error.resultCode) {
                    // "table already exists" or a duplicate column: the other process won the race.
                    attempt += 1
                    usleep(UInt32(20_000 * attempt))
                }
            }
        } catch let error as DatabaseError {
            throw StoreError(path: path, problem: "cannot be opened: \(error.message ?? error.description)")
        } catch {
            throw StoreError(path: path, problem: "cannot be opened: \(error.localizedDescription)")
        }
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: tasks and events") { db in
            try db.execute(sql: """
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
                """)
        }
        migrator.registerMigration("v2: runs, checkpoints, conversations, shared context") { db in
            try db.execute(sql: """
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
                """)
        }
        return migrator
    }

    /// Runs `body` in one write transaction; `atomic: false` when `body` is a
    /// single statement, which SQLite commits on its own, so the explicit
    /// BEGIN and COMMIT are saved.
    func write<T>(atomic: Bool = true, _ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            guard atomic else { return try database.writeWithoutTransaction(body) }
            // BEGIN and COMMIT as cached statements: GRDB's own transaction prepares them anew each time,
            // a few microseconds of every step's commit.
            return try database.writeWithoutTransaction { db in
                try db.cachedStatement(sql: "BEGIN IMMEDIATE").execute()
                do {
                    let value = try body(db)
                    try db.cachedStatement(sql: "COMMIT").execute()
                    return value
                } catch {
                    if db.isInsideTransaction { try? db.execute(sql: "ROLLBACK") }
                    throw error
                }
            }
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError {
            throw StoreError(path: path, problem: "refused a write: \(error.message ?? error.description)")
        } catch {
            throw StoreError(path: path, problem: "refused a write: \(error)")
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try database.read(body)
        } catch let error as DatabaseError {
            throw StoreError(path: path, problem: "cannot be read: \(error.message ?? error.description)")
        } catch {
            throw StoreError(path: path, problem: "cannot be read: \(error)")
        }
    }
}
