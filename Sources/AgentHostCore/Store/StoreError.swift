import Foundation
import GRDB

/// The task store could not be opened, read or written: what happened, in
/// words that say what to do about it.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as far as the host can tell.
    public enum Kind: String, Sendable {
        /// No file at the path (only a read-only open minds).
        case missing
        /// The path is a folder.
        case directory
        /// The file is not a SQLite database.
        case notADatabase
        /// The file is a damaged database; the host no longer writes to it.
        case malformed
        /// The disk (or the file system the store is on) is full.
        case diskFull
        /// The file or its folder cannot be written.
        case readOnly
        /// Another process holds the database's lock for longer than the host waits.
        case locked
        /// A store this host does not understand, e.g. made by a newer version.
        case incompatible
        /// Work this process does not own (a run another host holds).
        case notOwner
        case other
    }

    /// The database file.
    public let path: String
    public let kind: Kind
    public let problem: String

    public init(path: String, kind: Kind = .other, problem: String) {
        self.path = path
        self.kind = kind
        self.problem = problem
    }

    public var description: String {
        "the task store '\(path)' \(problem)"
    }

    /// `error`, raised while the host was `doing` something ("cannot be opened", "refused a write"), in plain words.
    init(path: String, doing: String, error: DatabaseError) {
        self.path = path
        let sqlite = error.message ?? "\(error.resultCode)"
        switch error.resultCode {
        case .SQLITE_NOTADB:
            kind = .notADatabase
            problem = "is not a SQLite database (SQLite: \(sqlite)); pass --state with the task store's path, or move this file away and a new store is made"
        case .SQLITE_CORRUPT:
            kind = .malformed
            problem = Self.malformedAdvice(path, found: sqlite)
        case .SQLITE_FULL:
            kind = .diskFull
            problem = "\(doing): the disk is full\(Self.freeSpace(near: path)); free some space and run the command again. "
                + "What was stored before is intact"
        case .SQLITE_READONLY:
            kind = .readOnly
            problem = "\(doing): the file or its folder is read-only (SQLite: \(sqlite)). Read commands (tasks, runs, stats) still work; "
                + "to run tasks, make it writable or choose another store with --state PATH"
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            kind = .locked
            problem = "\(doing): another process has held its lock for over 10 s (SQLite: \(sqlite)); "
                + "wait for it to finish, or find it with `fuser \(path)`"
        case .SQLITE_CANTOPEN:
            kind = .readOnly
            problem = "\(doing): SQLite cannot open it (\(sqlite)); check the file and its folder exist and are writable, "
                + "or choose another store with --state PATH"
        case .SQLITE_IOERR where Self.diskIsFull(near: path):
            kind = .diskFull
            problem = "\(doing): the disk is full\(Self.freeSpace(near: path)); free some space and run the command again. "
                + "What was stored before is intact"
        default:
            kind = .other
            problem = "\(doing): \(sqlite)"
        }
    }

    static func malformedAdvice(_ path: String, found: String) -> String {
        "is damaged (SQLite: \(found)). The host will not write to it any more. Check it with `agenthost store check --state \(path)`; "
            + "recover what can be read with `sqlite3 \(path) .recover | sqlite3 \(path).recovered` and use the new file with --state"
    }

    private static func freeBytes(near path: String) -> Int64? {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let attributes = try? FileManager.default.attributesOfFileSystem(forPath: folder)
        return (attributes?[.systemFreeSize] as? NSNumber)?.int64Value
    }

    private static func diskIsFull(near path: String) -> Bool { (freeBytes(near: path) ?? .max) < 1 << 20 }

    private static func freeSpace(near path: String) -> String {
        freeBytes(near: path).map { " (\($0 / 1024) KiB free in \(URL(fileURLWithPath: path).deletingLastPathComponent().path))" } ?? ""
    }
}
