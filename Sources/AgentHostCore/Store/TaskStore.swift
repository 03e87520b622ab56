import Foundation
import GRDB
import Synchronization

/// Tasks and their events in one SQLite file (WAL). Writes are serialized by
/// GRDB's writer; reads run concurrently with them.
///
/// Durability: `synchronous = NORMAL` in WAL mode, so a committed write
/// survives the host being killed (the guarantee the runtime needs: nothing
/// reported is lost when the process dies), though not a power cut.
public final class TaskStore: Sendable {
    public let path: String
    public let access: StoreAccess
    /// Reads; the pool itself when the store is writable.
    let database: any DatabaseReader
    /// Nil when opened read-only.
    let writer: DatabasePool?
    /// This process as an owner of work, when the store is writable.
    public let owner: Int64?
    let heartbeat: Heartbeat?
    /// Set once SQLite said the file is damaged: nothing more is written to it.
    private let malformed = Atomic<Bool>(false)
    /// The last write that failed after its retries, for the reason given when this host's open work is closed.
    let lostWrite = Mutex<String?>(nil)

    /// `~/.agenthost/state.sqlite`, or `$AGENTHOST_HOME/state.sqlite`.
    public static func defaultPath() -> String {
        AgentHostHome.folder().appendingPathComponent("state.sqlite").path
    }

    /// Opens the store at `path`. `.readWrite` (the default) creates it and
    /// its folder when missing, brings an older schema up to date, registers
    /// this process as an owner of work (with a heartbeat) and closes the
    /// work of owners that died. `.readOnly` only reads, and works on a file
    /// or folder this process may not write.
    public init(path: String = TaskStore.defaultPath(), access: StoreAccess = .readWrite) throws(StoreError) {
        self.path = path
        self.access = access
        let (reader, writer) = try Self.open(path, access: access)
        database = reader
        self.writer = writer
        guard access == .readWrite else {
            owner = nil
            heartbeat = nil
            return
        }
        let owner = try Self.register(in: writer!, path: path)
        self.owner = owner
        heartbeat = Heartbeat(writer: writer!, owner: owner)
        sweep()
    }

    deinit {
        heartbeat?.stop()
        _ = try? close()
    }

    private static func open(_ path: String, access: StoreAccess) throws(StoreError) -> (any DatabaseReader, DatabasePool?) {
        var isFolder: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
        if exists, isFolder.boolValue {
            throw StoreError(path: path, kind: .directory, problem: "is a folder, not a database file; pass --state with a file path, e.g. \(path)/state.sqlite")
        }
        if access == .readOnly, !exists {
            throw StoreError(path: path, kind: .missing, problem: "does not exist yet; the first command that runs a task (`agenthost run`, `workflow run`) creates it")
        }
        if exists, let problem = notSQLite(path) {
            throw StoreError(path: path, kind: .notADatabase, problem: problem)
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // 16 MB of page cache per connection (SQLite's default is 2 MB): a store that holds
            // hundreds of thousands of tasks keeps the pages a step touches in memory.
            try db.execute(sql: "PRAGMA cache_size = -16384")
        }
        do {
            if access == .readOnly {
                configuration.readonly = true
                let (queue, version) = try readOnlyQueue(path, configuration: configuration)
                if version > StoreSchema.current { throw StoreSchema.TooNew(version: version) }
                return (queue, nil)
            }
            if let marker = try? String(contentsOfFile: path + malformedMarkerSuffix, encoding: .utf8) {
                throw StoreError(path: path, kind: .malformed, problem: StoreError.malformedAdvice(path, found: marker.trimmingCharacters(in: .whitespacesAndNewlines)))
            }
            try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(),
                                                    withIntermediateDirectories: true)
            let pool = try DatabasePool(path: path, configuration: configuration)
            try pool.writeWithoutTransaction { db in try StoreSchema.migrate(db) }
            return (pool, pool)
        } catch let error as StoreError {
            throw error
        } catch let error as StoreSchema.TooNew {
            throw StoreError(path: path, kind: .incompatible, problem: "has schema version \(error.version), newer than this host's \(StoreSchema.current); "
                             + "use the agenthost that made it, or another store with --state PATH")
        } catch let error as DatabaseError {
            let failure = StoreError(path: path, doing: "cannot be opened", error: error)
            if failure.kind == .malformed { markMalformed(path, error) }
            throw failure
        } catch let error as CocoaError where error.code == .fileWriteNoPermission || error.code == .fileWriteVolumeReadOnly {
            throw StoreError(path: path, kind: .readOnly, problem: "cannot be created: its folder is not writable; choose another store with --state PATH")
        } catch {
            throw StoreError(path: path, problem: "cannot be opened: \(error.localizedDescription)")
        }
    }

    /// A read-only connection. A WAL store on a read-only file system cannot
    /// make its shared-memory file; it is then read as immutable, i.e. as of
    /// its last checkpoint.
    /// Returns it with the schema version it read, the first read that would fail.
    private static func readOnlyQueue(_ path: String, configuration: Configuration) throws -> (DatabaseQueue, Int) {
        func opened(_ path: String) throws -> (DatabaseQueue, Int) {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            return (queue, try queue.read { db in try StoreSchema.version(of: db) })
        }
        do {
            return try opened(path)
        } catch let error as DatabaseError where [.SQLITE_CANTOPEN, .SQLITE_READONLY].contains(error.resultCode) {
            return try opened("file:\(path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path)?immutable=1")
        }
    }

    /// Why the file at `path` is not a SQLite database, read from its header
    /// without echoing its bytes; nil when it is one (or empty, which SQLite makes one).
    private static func notSQLite(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let header = (try? handle.read(upToCount: 16)) ?? Data()
        if header.isEmpty || header == Data("SQLite format 3\0".utf8) { return nil }
        return "is not a SQLite database (its first bytes are not SQLite's header); pass --state with the task store's path, "
            + "or move this file away and a new store is made"
    }

    static let malformedMarkerSuffix = "-malformed"

    /// Remembers, beside the file, that it was found damaged: every host then refuses to write to it until `store check` passes.
    static func markMalformed(_ path: String, _ error: DatabaseError) {
        let note = "\(error.message ?? "database disk image is malformed") (found \(ISO8601DateFormatter().string(from: Date())))\n"
        _ = FileManager.default.createFile(atPath: path + malformedMarkerSuffix, contents: Data(note.utf8))
    }

    /// Runs `body` in one write transaction; `atomic: false` when `body` is a
    /// single statement, which SQLite commits on its own, so the explicit
    /// BEGIN and COMMIT are saved.
    func write<T>(atomic: Bool = true, _ body: (Database) throws -> T) throws(StoreError) -> T {
        guard let writer else { throw StoreError(path: path, kind: .readOnly, problem: "was opened read-only; this command may not write to it") }
        if malformed.load(ordering: .relaxed) {
            throw StoreError(path: path, kind: .malformed, problem: StoreError.malformedAdvice(path, found: "an earlier statement found it malformed"))
        }
        do {
            guard atomic else { return try writer.writeWithoutTransaction(body) }
            // BEGIN and COMMIT as cached statements: GRDB's own transaction prepares them anew each time,
            // a few microseconds of every step's commit.
            return try writer.writeWithoutTransaction { db in
                let began = WallClock.nanoseconds()
                try db.cachedStatement(sql: "BEGIN IMMEDIATE").execute()
                do {
                    let value = try body(db)
                    try db.cachedStatement(sql: "COMMIT").execute()
                    HostMetrics.shared.storeCommitted(nanoseconds: WallClock.nanoseconds() - began)
                    return value
                } catch {
                    if db.isInsideTransaction { try? db.execute(sql: "ROLLBACK") }
                    throw error
                }
            }
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError {
            throw failure(error, doing: "refused a write")
        } catch {
            throw StoreError(path: path, problem: "refused a write: \(error)")
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try database.read(body)
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError {
            throw failure(error, doing: "cannot be read")
        } catch {
            throw StoreError(path: path, problem: "cannot be read: \(error)")
        }
    }

    /// `error` in words; a damaged file is remembered, so nothing more is written to it.
    private func failure(_ error: DatabaseError, doing: String) -> StoreError {
        let failure = StoreError(path: path, doing: doing, error: error)
        if failure.kind == .malformed, !malformed.exchange(true, ordering: .relaxed) { Self.markMalformed(path, error) }
        return failure
    }
}
