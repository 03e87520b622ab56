import Foundation

/// Fetches a trusted directory's index and decides whether to believe it:
/// the signature must be by the directory's key, the version must not be
/// older than the last one believed (nor the same with other contents), and
/// it must not have expired. The last index believed is kept in
/// `$AGENTHOST_HOME/directories/NAME/`, so a refused one changes nothing.
public struct DirectoryClient: Sendable {
    /// An index is a list of plugins, not a download: more than this is refused unread.
    public static let maximumIndexBytes = 256 << 20

    public let directory: TrustedDirectory
    public let home: URL

    public init(directory: TrustedDirectory, home: URL) {
        self.directory = directory
        self.home = home
    }

    var cacheFolder: URL { home.appendingPathComponent("directories").appendingPathComponent(directory.name) }

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

    /// The directory's current index, checked, and kept as the last one believed.
    public func refresh(now: Date = Date()) throws(DirectoryError) -> DirectoryIndex {
        let location = try location()
        let signed: SignedIndex
        do {
            signed = SignedIndex(bytes: try location.fetch(DirectoryIndex.fileName, limit: Self.maximumIndexBytes),
                                 signatureBytes: try location.fetch(SignedIndex.signatureFileName, limit: 64 << 10))
        } catch {
            throw .transport(error)
        }
        let index = try check(signed, now: now)
        do {
            try signed.write(into: cacheFolder)
        } catch {
            throw .io(path: cacheFolder.path, reason: error.localizedDescription)
        }
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
            return (cached, "\(error); using the index of \(directory.label) trusted before (version \(cached.version))")
        }
    }

    func check(_ signed: SignedIndex, now: Date) throws(DirectoryError) -> DirectoryIndex {
        let source = directory.label
        do {
            let index = try signed.verified(by: try trustedKey(), source: source)
            if let previous = try? SignedIndex.read(from: cacheFolder),
               let believed = try? previous.verified(by: try trustedKey(), source: source) {
                if index.version < believed.version { throw IndexError.rollback(source: source, offered: index.version, trusted: believed.version) }
                if index.version == believed.version, signed.bytes != previous.bytes {
                    throw IndexError.changedWithoutVersion(source: source, version: index.version)
                }
            }
            guard index.expires > now else { throw IndexError.expired(source: source, expires: index.expires) }
            return index
        } catch let error as IndexError {
            throw .index(error)
        } catch let error as DirectoryError {
            throw error
        } catch {
            throw .invalid("\(error)")
        }
    }
}
