import Foundation
import GRDB

extension TaskStore {
    /// SQLite's `integrity_check` of the whole file: empty when it is sound,
    /// else each problem it found (at most 100).
    public func integrityProblems() throws(StoreError) -> [String] {
        try read { db in
            let rows = try String.fetchAll(db, sql: "PRAGMA integrity_check(100)")
            return rows == ["ok"] ? [] : rows
        }
    }

    /// Whether an earlier error found the file damaged (hosts then refuse to write to it).
    public static func isMarkedMalformed(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: path + malformedMarkerSuffix)
    }

    /// Lets hosts write to a store again once it passes `integrityProblems()`.
    public static func clearMalformedMark(_ path: String) throws {
        try FileManager.default.removeItem(atPath: path + malformedMarkerSuffix)
    }
}
