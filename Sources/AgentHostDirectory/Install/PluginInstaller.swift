import AgentHostCore
import Foundation

/// Installs plugins from trusted directories into `$AGENTHOST_HOME/plugins`,
/// atomically. Each version is unpacked into a folder of its own under
/// `plugins/.installed/ID/`, and `plugins/ID` is a symbolic link to the one in
/// use, replaced by one `rename(2)`: a host sees the old version or the new
/// one, never a mix, and an install stopped at any point, even by SIGKILL,
/// leaves the previous version working.
public struct PluginInstaller: Sendable {
    public let home: URL
    public let host: HostRequirements

    public init(home: URL = AgentHostHome.folder(), host: HostRequirements = .current) {
        self.home = home
        self.host = host
    }

    public var pluginsFolder: URL { home.appendingPathComponent("plugins") }
    var storeFolder: URL { pluginsFolder.appendingPathComponent(".installed") }
    public var lockFileURL: URL { home.appendingPathComponent(LockFile.fileName) }

    /// Downloads `candidate`'s package and checks it against the size and
    /// SHA-256 the signed index pins, before reading anything inside it.
    public func download(_ candidate: ReleaseCandidate) throws(DirectoryError) -> PackageArchive {
        let location = try DirectoryClient(directory: candidate.directory, home: home).location()
        let release = candidate.release
        let address = location.address(of: release.file)
        let data: Data
        do {
            data = try location.fetch(release.file, limit: release.size, expected: release.size)
        } catch .cutShort(let url, let detail) {
            throw .package(PackageError(package: url, check: .hash, "the download was cut short (\(detail)); nothing was installed: try again"))
        } catch .tooLarge(let url, _) {
            throw .package(PackageError(package: url, check: .hash, "it is larger than the \(release.size) bytes the index pins: it is not the file that was published"))
        } catch {
            throw .transport(error)
        }
        let archive = PackageArchive(data: data, name: address)
        let actual = archive.sha256
        guard actual == release.sha256 else {
            throw .package(PackageError(package: address, check: .hash,
                                        "its SHA-256 is \(actual), and the index of \(candidate.directory.label) pins \(release.sha256): the file was changed after it was published"))
        }
        return archive
    }

    /// Verifies a downloaded package as `candidate`: signed by the key the
    /// index pins (and, when the user named publishers for the directory,
    /// by one of those), every file intact, and runnable here.
    public func verify(_ archive: PackageArchive, as candidate: ReleaseCandidate) throws(DirectoryError) -> VerifiedPackage {
        let release = candidate.release
        let named = candidate.directory.publisherKeys
        // Only the key the signed index pins, when the user trusts it; no key at all for a release listed unsigned.
        if let pinned = release.publisherKey, !named.isEmpty, !named.contains(pinned) {
            throw .package(PackageError(package: archive.name, check: .signature,
                                        "it is published by \(pinned), which is not among the publishers you trust for \(candidate.directory.label)"))
        }
        let trust = PackageArchive.Trust(keys: release.publisherKey.map { [$0] } ?? [],
                                         allowsUnsigned: candidate.directory.allowsUnsigned && release.publisher == nil,
                                         source: candidate.directory.label)
        let package: VerifiedPackage
        do {
            package = try archive.verify(trust: trust)
        } catch {
            throw .package(error)
        }
        let descriptor = package.descriptor
        guard descriptor.id == candidate.plugin.id, descriptor.version == release.version, descriptor.platform == release.platform else {
            throw .package(PackageError(package: archive.name, check: .manifest,
                                        "it is \(descriptor.id) \(descriptor.version) for \(descriptor.platform), and the index says \(candidate.plugin.id) \(release.version) for \(release.platform)"))
        }
        // What a person agreed to was read from the index: the package must ask for exactly that.
        guard DirectoryIndex.Permissions(package.manifest.permissions) == release.permissions, package.manifest.limits == release.limits else {
            throw .package(PackageError(package: archive.name, check: .manifest, "its manifest asks for other permissions than the index lists"))
        }
        if let problem = host.problem(platform: descriptor.platform, abi: descriptor.abi, hostVersions: descriptor.hostVersions) {
            throw .package(PackageError(package: archive.name, check: .compatibility, problem))
        }
        return package
    }

    /// Unpacks `package` beside the versions already installed and switches
    /// `plugins/ID` to it. Returns what was installed.
    @discardableResult
    public func install(_ package: VerifiedPackage, from candidate: ReleaseCandidate, now: Date = Date()) throws(DirectoryError) -> InstalledPlugin {
        try exclusively { () throws(DirectoryError) in try switchIn(package, from: candidate, now: now) }
    }

    private func switchIn(_ package: VerifiedPackage, from candidate: ReleaseCandidate, now: Date) throws(DirectoryError) -> InstalledPlugin {
        let id = package.descriptor.id
        let link = pluginsFolder.appendingPathComponent(id)
        let versions = storeFolder.appendingPathComponent(id)
        let record = InstalledPlugin(id: id, version: package.descriptor.version, platform: package.descriptor.platform.name,
                                     sha256: package.sha256, size: package.size, directory: candidate.directory.name,
                                     location: candidate.directory.location, publisher: package.signer?.line, installed: now)
        let fileManager = FileManager.default
        try refuseHandMadeCopy(at: link, id: id)
        // A folder of its own for every install, even of the version in use: the folder a link points to is never touched.
        let folderName = "\(record.version)-\(record.sha256.prefix(12))-\(UUID().uuidString.prefix(8).lowercased())"
        let folder = versions.appendingPathComponent(folderName)
        do {
            try fileManager.createDirectory(at: versions, withIntermediateDirectories: true)
            // Until the switch the new folder is a leftover like any other: an install stopped before it is cleared by the next.
            try removeLeftovers(in: versions, keeping: [currentFolderName(of: link)].compactMap { $0 })
            try package.unpack(into: folder)
            try JSONEncoder.directory.encode(record).write(to: folder.appendingPathComponent(InstalledPlugin.fileName))
            // The switch: a new link, renamed over the old one in one step.
            let newLink = pluginsFolder.appendingPathComponent(".\(id).link-\(UUID().uuidString)")
            try fileManager.createSymbolicLink(atPath: newLink.path, withDestinationPath: ".installed/\(id)/\(folderName)")
            guard rename(newLink.path, link.path) == 0 else {
                let reason = String(cString: strerror(errno))
                try? fileManager.removeItem(at: newLink)
                throw DirectoryError.io(path: link.path, reason: reason)
            }
        } catch let error as DirectoryError {
            try? fileManager.removeItem(at: folder)
            throw error
        } catch {
            try? fileManager.removeItem(at: folder)
            throw .io(path: versions.path, reason: error.localizedDescription)
        }
        // Switched in: what is left to do may fail without harm, and the next install clears what this one could not.
        try? removeLeftovers(in: versions, keeping: [folderName])
        try writeLockFile()
        return record
    }

    /// Removes an installed plugin: its link first (hosts stop seeing it), then its files.
    public func remove(_ id: String) throws(DirectoryError) {
        try exclusively { () throws(DirectoryError) in try unlink(id) }
    }

    private func unlink(_ id: String) throws(DirectoryError) {
        let installed = installed()
        guard installed.contains(where: { $0.id == id }) else { throw .notInstalled(id: id, installed: installed.map(\.id)) }
        let link = pluginsFolder.appendingPathComponent(id)
        do {
            try FileManager.default.removeItem(at: link)
            try FileManager.default.removeItem(at: storeFolder.appendingPathComponent(id))
        } catch {
            throw .io(path: link.path, reason: error.localizedDescription)
        }
        try writeLockFile()
    }

    /// Every plugin installed from a directory, by id.
    public func installed() -> [InstalledPlugin] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: pluginsFolder.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().compactMap(installed)
    }

    public func installed(_ id: String) -> InstalledPlugin? {
        let record = pluginsFolder.appendingPathComponent(id).appendingPathComponent(InstalledPlugin.fileName)
        guard let data = try? Data(contentsOf: record) else { return nil }
        return try? JSONDecoder.directory.decode(InstalledPlugin.self, from: data)
    }

    /// The manifest of the installed version of `id`.
    public func installedManifest(_ id: String) -> PluginManifest? {
        try? PluginManifest.load(from: pluginsFolder.appendingPathComponent(id).appendingPathComponent(PluginManifest.fileName))
    }

    /// Rewrites `plugins.lock` from what is installed; also after an
    /// interrupted install, because the folders, not the lock, are the truth.
    public func writeLockFile() throws(DirectoryError) {
        let lock = LockFile(plugins: installed().map {
            .init(id: $0.id, version: $0.version, platform: $0.platform, sha256: $0.sha256, directory: $0.directory)
        })
        do {
            try JSONEncoder.directory.encode(lock).write(to: lockFileURL, options: .atomic)
        } catch {
            throw .io(path: lockFileURL.path, reason: error.localizedDescription)
        }
    }

    /// Two installs at once would each clear the other's new folder as a
    /// leftover: one waits for the other.
    private func exclusively<T>(_ body: () throws(DirectoryError) -> T) throws(DirectoryError) -> T {
        try FolderLock.holding(storeFolder, body)
    }

    private func refuseHandMadeCopy(at link: URL, id: String) throws(DirectoryError) {
        let attributes = try? FileManager.default.attributesOfItem(atPath: link.path)
        if let type = attributes?[.type] as? FileAttributeType, type != .typeSymbolicLink {
            throw .installedByHand(id: id, folder: link.path)
        }
    }

    private func currentFolderName(of link: URL) -> String? {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: link.path)).map { ($0 as NSString).lastPathComponent }
    }

    /// Versions no link points to (those of installs that were stopped among them), and links never switched in.
    private func removeLeftovers(in versions: URL, keeping: [String]) throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: versions.path) where !keeping.contains(name) {
            try FileManager.default.removeItem(at: versions.appendingPathComponent(name))
        }
        for name in try FileManager.default.contentsOfDirectory(atPath: pluginsFolder.path) where name.hasPrefix(".") && name.contains(".link-") {
            try? FileManager.default.removeItem(at: pluginsFolder.appendingPathComponent(name))
        }
    }
}
