import Foundation

/// A directory as its owner keeps it: a folder with `index.json`,
/// `index.sig` and `packages/ID/VERSION/ID-VERSION-PLATFORM.ahpkg`. It can be
/// served as it is, by `agenthost directory serve` or any static web server.
public struct DirectoryFolder: Sendable {
    public static let packagesFolder = "packages"
    /// How long a signed index stays valid when nothing changes it.
    public static let standardLifetime: TimeInterval = 30 * 24 * 3600

    public let url: URL

    public init(url: URL) { self.url = url }

    /// The index this folder holds, checked against the key that signed it; nil for a new folder.
    public func index() throws(DirectoryError) -> DirectoryIndex? {
        guard let signed = try readSigned() else { return nil }
        guard let signer = signed.signer else { throw .index(.malformedSignature(source: url.path)) }
        do {
            return try signed.verified(by: signer, source: url.path)
        } catch {
            throw .index(error)
        }
    }

    /// Adds a package as a new release: it must verify (signed, unless
    /// `allowUnsigned`), and its version must not exist for its platform.
    /// The index gets the next version number, a new expiry, and `key`'s
    /// signature; an index signed by another key is refused.
    public func publish(package packageURL: URL, key: SigningKey, name: String? = nil, allowUnsigned: Bool = false,
                        lifetime: TimeInterval = standardLifetime, now: Date = Date()) throws(DirectoryError) -> DirectoryIndex.Release {
        try withLock { () throws(DirectoryError) in
            var index = try ownIndex(key: key, name: name, now: now)
            let archive: PackageArchive
            let package: VerifiedPackage
            do {
                archive = try PackageArchive(contentsOf: packageURL)
                package = try archive.verify(trust: .init(keys: nil, allowsUnsigned: allowUnsigned, source: "this directory"))
                _ = try VersionRange(package.descriptor.hostVersions)
            } catch let error as PackageError {
                throw .package(error)
            } catch {
                throw .invalid("\(packageURL.path): \(error)")
            }
            let descriptor = package.descriptor
            let position = index.plugins.firstIndex { $0.id == descriptor.id }
            if let position, index.plugins[position].releases.contains(where: { $0.version == descriptor.version && $0.platform == descriptor.platform }) {
                throw .versionExists(id: descriptor.id, version: descriptor.version, platform: descriptor.platform.name, folder: url.path)
            }
            let file = "\(Self.packagesFolder)/\(descriptor.id)/\(descriptor.version)/\(descriptor.packageFileName)"
            let destination = url.appendingPathComponent(file)
            do {
                try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
                try archive.data.write(to: destination, options: .atomic)
            } catch {
                throw .io(path: destination.path, reason: error.localizedDescription)
            }
            let release = DirectoryIndex.Release(package, file: file, published: now)
            let manifest = package.manifest
            let keywords = Array(Set(manifest.capabilities.flatMap(\.keywords))).sorted()
            if let position {
                index.plugins[position].releases.append(release)
                // The plugin's entry reads as its newest release does.
                if index.plugins[position].newest?.version == release.version {
                    index.plugins[position].name = manifest.name
                    index.plugins[position].description = manifest.description
                    index.plugins[position].keywords = keywords
                }
            } else {
                index.plugins.append(.init(id: manifest.id, name: manifest.name, description: manifest.description, keywords: keywords, releases: [release]))
                index.plugins.sort { $0.id < $1.id }
            }
            try write(&index, key: key, lifetime: lifetime, now: now)
            return release
        }
    }

    /// Signs the index again with a later expiry and the next version: what
    /// a directory's owner runs before the index expires, changed or not.
    public func sign(key: SigningKey, name: String? = nil, lifetime: TimeInterval = standardLifetime, now: Date = Date()) throws(DirectoryError) -> DirectoryIndex {
        guard FileManager.default.fileExists(atPath: url.appendingPathComponent(DirectoryIndex.fileName).path) else {
            throw .invalid("\(url.path) holds no \(DirectoryIndex.fileName): it is not a directory yet; publish a package to it first (`agenthost directory publish PACKAGE --to \(url.path) --key KEY`)")
        }
        return try withLock { () throws(DirectoryError) in
            var index = try ownIndex(key: key, name: name, now: now)
            try write(&index, key: key, lifetime: lifetime, now: now)
            return index
        }
    }

    private func readSigned() throws(DirectoryError) -> SignedIndex? {
        do {
            return try SignedIndex.read(from: url)
        } catch {
            throw .index(.malformedSignature(source: url.path))
        }
    }

    /// The folder's index, which `key` must have signed, or a new one.
    private func ownIndex(key: SigningKey, name: String?, now: Date) throws(DirectoryError) -> DirectoryIndex {
        guard let signed = try readSigned() else {
            return DirectoryIndex(name: name ?? url.lastPathComponent, published: now, expires: now)
        }
        do {
            var index = try signed.verified(by: key.publicKey, source: url.path)
            if let name { index.name = name }
            return index
        } catch .wrongKey(_, let signer, _) {
            throw .signedByAnotherKey(folder: url.path, signer: signer.description, given: key.publicKey.description)
        } catch {
            throw .index(error)
        }
    }

    private func write(_ index: inout DirectoryIndex, key: SigningKey, lifetime: TimeInterval, now: Date) throws(DirectoryError) {
        index.version += 1
        index.published = now
        index.expires = now.addingTimeInterval(lifetime)
        do {
            try SignedIndex(signing: index, with: key).write(into: url)
        } catch let error as KeyError {
            throw .key(error)
        } catch {
            throw .io(path: url.appendingPathComponent(DirectoryIndex.fileName).path, reason: error.localizedDescription)
        }
    }

    /// Two publishers at once would both read version N and both write N+1: one waits.
    private func withLock<T>(_ body: () throws(DirectoryError) -> T) throws(DirectoryError) -> T {
        try FolderLock.holding(url, body)
    }
}
