import Crypto
import Foundation

/// Fetches a trusted directory's index and decides whether to believe it:
/// the signature must be by the directory's key, the version must not be
/// older than the last one believed (nor the same with other contents), and
/// it must not have expired. The last index believed is kept in
/// `$AGENTHOST_HOME/directories/NAME/`, with what was learned of it
/// (`trusted.json`) and its search lines (`search.tsv`), so a refused index
/// changes nothing and a search need not decode the index again.
public struct DirectoryClient: Sendable {
    /// An index is a list of plugins, not a download: more than this is refused unread.
    public static let maximumIndexBytes = 256 << 20
    /// How long a search trusts the index it checked last without asking the directory again.
    public static let searchFreshness: TimeInterval = 600

    public let directory: TrustedDirectory
    public let home: URL

    public init(directory: TrustedDirectory, home: URL) {
        self.directory = directory
        self.home = home
    }

    var cacheFolder: URL { home.appendingPathComponent("directories").appendingPathComponent(directory.name) }
    private var recordURL: URL { cacheFolder.appendingPathComponent("trusted.json") }
    private var searchURL: URL { cacheFolder.appendingPathComponent("search.tsv") }

    /// What the client learned of the last index it believed.
    struct Record: Codable {
        var version: Int
        var expires: Date
        var sha256: String
        /// When the directory was last asked.
        var checked: Date
    }

    public func location() throws(DirectoryError) -> DirectoryLocation {
        do {
            return try DirectoryLocation(directory.location)
        } catch {
            throw .transport(error)
        }
    }

    private func trustedKey() throws(DirectoryError) -> PublicKey {
        guard let key = directory.publicKey else { throw .invalid("the key of \(directory.label) in directories.json is malformed; add the directory again") }
        return key
    }

    private func record() -> Record? {
        (try? Data(contentsOf: recordURL)).flatMap { try? JSONDecoder.directory.decode(Record.self, from: $0) }
    }

    private func fetch() throws(DirectoryError) -> SignedIndex {
        let location = try location()
        do {
            return SignedIndex(bytes: try location.fetch(DirectoryIndex.fileName, limit: Self.maximumIndexBytes),
                               signatureBytes: try location.fetch(SignedIndex.signatureFileName, limit: 64 << 10))
        } catch {
            throw .transport(error)
        }
    }

    /// The directory's current index, checked, and kept as the last one believed.
    public func refresh(now: Date = Date()) throws(DirectoryError) -> DirectoryIndex {
        let signed = try fetch()
        let index = try check(signed, now: now)
        try keep(signed, index: index, now: now)
        return index
    }

    /// The last index believed, checked again (it may have expired since); nil when there is none.
    public func trusted(now: Date = Date()) throws(DirectoryError) -> DirectoryIndex? {
        guard let signed = try? SignedIndex.read(from: cacheFolder) else { return nil }
        let key = try trustedKey()
        let index: DirectoryIndex
        do {
            index = try signed.verified(by: key, source: directory.label)
        } catch {
            throw .index(error)
        }
        guard index.expires > now else { throw .index(.expired(source: directory.label, expires: index.expires)) }
        return index
    }

    /// The current index when the directory answers, else the last one
    /// believed, with a warning that says so. A refused index is never
    /// replaced by the cached one: refusals are for a person to see.
    public func index(now: Date = Date()) throws(DirectoryError) -> (index: DirectoryIndex, warning: String?) {
        do {
            return (try refresh(now: now), nil)
        } catch .transport(let error) {
            guard let cached = try trusted(now: now) else { throw .transport(error) }
            return (cached, unreachableWarning(error, version: cached.version))
        }
    }

    /// A search over the directory's plugins. Within `freshness` of the last
    /// check, and while the index is valid, it reads the search lines kept
    /// beside the trusted index; otherwise it asks the directory, and an
    /// index whose bytes did not change is not decoded again.
    public func search(now: Date = Date(), freshness: TimeInterval = searchFreshness) throws(DirectoryError) -> (search: PluginSearch, warning: String?) {
        let kept = record()
        if let kept, now.timeIntervalSince(kept.checked) < freshness, let search = cachedSearch(kept, now: now) {
            return (search, nil)
        }
        let signed: SignedIndex
        do {
            signed = try fetch()
        } catch .transport(let error) {
            guard let kept, let search = cachedSearch(kept, now: now) else { throw .transport(error) }
            return (search, unreachableWarning(error, version: kept.version))
        }
        if var record = kept, Digest.sha256(signed.bytes) == record.sha256, let search = cachedSearch(record, now: now) {
            record.checked = now
            try? JSONEncoder.directory.encode(record).write(to: recordURL, options: .atomic)
            return (search, nil)
        }
        let index = try check(signed, now: now)
        try keep(signed, index: index, now: now)
        return (PluginSearch([(directory.name, index)]), nil)
    }

    private func cachedSearch(_ record: Record, now: Date) -> PluginSearch? {
        guard record.expires > now, let data = try? Data(contentsOf: searchURL) else { return nil }
        return PluginSearch(lines: data, directory: directory.name)
    }

    private func unreachableWarning(_ error: TransportError, version: Int) -> String {
        "\(error); using the index of \(directory.label) trusted before (version \(version))"
    }

    private func keep(_ signed: SignedIndex, index: DirectoryIndex, now: Date) throws(DirectoryError) {
        do {
            try signed.write(into: cacheFolder)
            try PluginSearch.lines(of: index).write(to: searchURL, options: .atomic)
            let record = Record(version: index.version, expires: index.expires, sha256: Digest.sha256(signed.bytes), checked: now)
            try JSONEncoder.directory.encode(record).write(to: recordURL, options: .atomic)
        } catch {
            throw .io(path: cacheFolder.path, reason: error.localizedDescription)
        }
    }

    func check(_ signed: SignedIndex, now: Date) throws(DirectoryError) -> DirectoryIndex {
        let source = directory.label
        let key = try trustedKey()
        do {
            let index = try signed.verified(by: key, source: source)
            // What was believed before: the record written when it was checked, or the kept index itself.
            let believed = record().map { ($0.version, $0.sha256) }
                ?? (try? SignedIndex.read(from: cacheFolder)).flatMap { previous in
                    (try? previous.verified(by: key, source: source)).map { ($0.version, Digest.sha256(previous.bytes)) }
                }
            if let (version, sha256) = believed {
                if index.version < version { throw IndexError.rollback(source: source, offered: index.version, trusted: version) }
                if index.version == version, Digest.sha256(signed.bytes) != sha256 {
                    throw IndexError.changedWithoutVersion(source: source, version: index.version)
                }
            }
            guard index.expires > now else { throw IndexError.expired(source: source, expires: index.expires) }
            return index
        } catch let error as IndexError {
            throw .index(error)
        } catch {
            throw .invalid("\(error)")
        }
    }
}
