import AgentHostCore
import Foundation

/// A directory this user added, with the key its index must be signed by:
/// one entry of `$AGENTHOST_HOME/directories.json`.
public struct TrustedDirectory: Sendable, Codable, Hashable {
    public var name: String
    public var location: String
    /// The directory's public key line.
    public var key: String
    /// Publisher keys this user accepts from this directory; empty accepts
    /// the key the signed index pins for each release.
    public var publishers: [String]
    /// Unsigned packages are accepted from this directory (the operator said so).
    public var allowsUnsigned: Bool

    enum CodingKeys: String, CodingKey {
        case name, location = "url", key, publishers
        case allowsUnsigned = "allow_unsigned"
    }

    public init(name: String, location: String, key: PublicKey, publishers: [PublicKey] = [], allowsUnsigned: Bool = false) {
        self.name = name
        self.location = location
        self.key = key.line
        self.publishers = publishers.map(\.line)
        self.allowsUnsigned = allowsUnsigned
    }

    public var publicKey: PublicKey? { try? PublicKey(line: key) }
    public var publisherKeys: [PublicKey] { publishers.compactMap { try? PublicKey(line: $0) } }
    /// How the directory is named in messages.
    public var label: String { "directory '\(name)' (\(location))" }
}

/// The directories this user added, kept in `directories.json` beside the task store.
public struct DirectoryList: Sendable {
    public let home: URL
    public var file: URL { home.appendingPathComponent("directories.json") }

    public init(home: URL = AgentHostHome.folder()) { self.home = home }

    public func load() throws(DirectoryError) -> [TrustedDirectory] {
        guard FileManager.default.fileExists(atPath: file.path) else { return [] }
        do {
            return try JSONDecoder().decode([TrustedDirectory].self, from: Data(contentsOf: file))
        } catch {
            throw .invalid("\(file.path) is damaged (\(error)); fix it or remove it and add the directories again")
        }
    }

    public func save(_ directories: [TrustedDirectory]) throws(DirectoryError) {
        do {
            try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
            try JSONEncoder.directory.encode(directories).write(to: file, options: .atomic)
        } catch {
            throw .io(path: file.path, reason: error.localizedDescription)
        }
    }

    public func named(_ name: String) throws(DirectoryError) -> TrustedDirectory {
        let all = try load()
        guard let directory = all.first(where: { $0.name == name }) else { throw .unknownDirectory(name: name, known: all.map(\.name)) }
        return directory
    }
}
