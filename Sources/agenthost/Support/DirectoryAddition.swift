import AgentHostDirectory
import Foundation

/// Fetches and checks the index of a directory being added. The same
/// directory added again keeps the index trusted before (so a rollback is
/// still caught); a new address or key is checked apart, and replaces what
/// was trusted only once its index passed, so a failed `add --replace`
/// leaves the old trust as it was.
enum DirectoryAddition {
    static func check(_ directory: TrustedDirectory, replacing existing: TrustedDirectory?, home: URL) throws -> DirectoryIndex {
        if let existing, existing.key == directory.key, existing.location == directory.location {
            return try CLIError.wrapping { () throws(DirectoryError) in try DirectoryClient(directory: directory, home: home).refresh() }
        }
        let pending = home.appendingPathComponent(".pending-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: pending) }
        let index = try CLIError.wrapping { () throws(DirectoryError) in try DirectoryClient(directory: directory, home: pending).refresh() }
        let kept = home.appendingPathComponent("directories").appendingPathComponent(directory.name)
        do {
            try FileManager.default.createDirectory(at: kept.deletingLastPathComponent(), withIntermediateDirectories: true)
            if FileManager.default.fileExists(atPath: kept.path) { try FileManager.default.removeItem(at: kept) }
            try FileManager.default.moveItem(at: pending.appendingPathComponent("directories").appendingPathComponent(directory.name), to: kept)
        } catch {
            throw CLIError("cannot keep the index of \(directory.label) in \(kept.path): \(error.localizedDescription)")
        }
        return index
    }
}
