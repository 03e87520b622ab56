import Foundation

/// A plugin installed from a directory, as its `.origin.json` records it
/// (written inside the installed folder before it is switched in, so the
/// record and the files change together).
public struct InstalledPlugin: Sendable, Codable, Hashable {
    static let fileName = ".origin.json"

    public var id: String
    public var version: String
    public var platform: String
    /// The package file's SHA-256 and size, as the directory's index pinned them.
    public var sha256: String
    public var size: Int
    public var directory: String
    public var location: String
    /// The publisher's key line; nil when the package was unsigned (and allowed).
    public var publisher: String?
    public var installed: Date

    public var publisherKey: PublicKey? { publisher.flatMap { try? PublicKey(line: $0) } }

    /// "signed by key 1a2b… (ada)", or "UNSIGNED (allowed by directory 'x')".
    public var signature: String {
        publisherKey.map { "signed by \($0)" } ?? "UNSIGNED (allowed by directory '\(directory)')"
    }
}

/// `plugins.lock`: what is installed, exactly, so `plugins install --locked`
/// can install the same set on another machine.
public struct LockFile: Sendable, Codable {
    public static let fileName = "plugins.lock"

    public struct Entry: Sendable, Codable, Hashable {
        public var id: String
        public var version: String
        public var platform: String
        public var sha256: String
        public var directory: String
    }

    public var format = 1
    public var plugins: [Entry]

    public init(plugins: [Entry]) { self.plugins = plugins.sorted { $0.id < $1.id } }

    public static func read(from url: URL) throws(DirectoryError) -> LockFile {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw .invalid("there is no lock file at \(url.path); install plugins first (each install writes it), or pass --lock-file")
        }
        do {
            let lock = try JSONDecoder().decode(LockFile.self, from: Data(contentsOf: url))
            guard lock.format == 1 else { throw DirectoryError.invalid("\(url.path) is in lock format \(lock.format); this host reads format 1") }
            return lock
        } catch let error as DirectoryError {
            throw error
        } catch {
            throw .invalid("\(url.path) is not a lock file: \(error)")
        }
    }
}
