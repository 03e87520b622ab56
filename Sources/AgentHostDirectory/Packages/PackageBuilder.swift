import AgentHostCore
import Foundation
@preconcurrency import ZIPFoundation

/// Builds a package from a plugin folder that `plugins check` accepted: its
/// manifest and library, with its README and licence, each with its SHA-256
/// in `package.json`, signed when a key is given.
public struct PackageBuilder: Sendable {
    public var manifestURL: URL
    public var manifest: PluginManifest
    /// The binary the host resolved for the manifest (it may live beside it, or in a build folder).
    public var binaryURL: URL
    /// README and licence files; those beside the manifest are found by name when not given.
    public var documents: [URL]
    public var hostVersions: VersionRange
    public var key: SigningKey?
    /// The platform the binary is for: this machine's unless it was cross-built.
    public var platform: Platform

    public init(manifestURL: URL, manifest: PluginManifest, binaryURL: URL, documents: [URL] = [],
                hostVersions: VersionRange = .any, key: SigningKey? = nil, platform: Platform? = nil) {
        self.platform = platform ?? .of(manifest)
        self.manifestURL = manifestURL
        self.manifest = manifest
        self.binaryURL = binaryURL
        self.documents = documents.isEmpty ? Self.documents(beside: manifestURL) : documents
        self.hostVersions = hostVersions
        self.key = key
    }

    /// README, LICENSE (or LICENCE, COPYING, NOTICE) files beside the manifest, by name, in any case.
    static func documents(beside manifestURL: URL) -> [URL] {
        let folder = manifestURL.deletingLastPathComponent()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.sorted().filter { name in
            let upper = name.uppercased()
            return ["README", "LICENSE", "LICENCE", "COPYING", "NOTICE"].contains { upper == $0 || upper.hasPrefix($0 + ".") }
        }.map { folder.appendingPathComponent($0) }
    }

    /// Whether the package has a README and a licence, for the packer to warn about.
    public var missingDocuments: [String] {
        let names = documents.map { $0.lastPathComponent.uppercased() }
        var missing: [String] = []
        if !names.contains(where: { $0.hasPrefix("README") }) { missing.append("README") }
        if !names.contains(where: { ["LICENSE", "LICENCE", "COPYING"].contains(where: $0.hasPrefix) }) { missing.append("licence") }
        return missing
    }

    /// Writes `ID-VERSION-PLATFORM.ahpkg` into `folder` (atomically) and returns its URL.
    public func write(into folder: URL) throws(PackageError) -> (url: URL, descriptor: PackageDescriptor) {
        let package = "\(manifest.id) \(manifest.version)"
        func refuse(_ check: PackageError.Check, _ problem: String) -> PackageError { PackageError(package: package, check: check, problem) }
        guard !manifest.library.contains("/") else {
            throw refuse(.manifest, "the library '\(manifest.library)' is a path; a package holds the binary beside plugin.json, so name the file alone ('\((manifest.library as NSString).lastPathComponent)')")
        }
        var files: [(name: String, bytes: Data)] = []
        for (name, url) in [(PluginManifest.fileName, manifestURL), (PluginManifest.libraryFileName(manifest.library), binaryURL)]
            + documents.map({ ($0.lastPathComponent, $0) }) {
            guard PlainName.isValid(name) else { throw refuse(.files, "'\(name)' cannot be a file of a package: use letters, digits, '.', '-', '_'") }
            guard !files.contains(where: { $0.name == name }) else { continue }
            do {
                files.append((name, try Data(contentsOf: url)))
            } catch {
                throw refuse(.files, "cannot read \(url.path): \(error.localizedDescription)")
            }
        }
        let descriptor = PackageDescriptor(
            format: PackageDescriptor.currentFormat, id: manifest.id, version: manifest.version, platform: platform,
            abi: .init(major: manifest.abi.major, minor: manifest.abi.minor), hostVersions: hostVersions.description,
            files: files.map { .init(path: $0.name, size: $0.bytes.count, sha256: Digest.sha256($0.bytes)) })
        let descriptorBytes = descriptor.encoded()
        var entries: [(name: String, bytes: Data)] = [(PackageDescriptor.fileName, descriptorBytes)]
        if let key {
            let signature: [UInt8]
            do {
                signature = try key.sign(descriptorBytes)
            } catch {
                throw refuse(.signature, error.description)
            }
            let encoded = (try? JSONEncoder().encode(PackageSignature(key: key.publicKey.line, signature: Data(signature).base64EncodedString()))) ?? Data()
            entries.append((PackageSignature.fileName, encoded))
        }
        entries += files

        let destination = folder.appendingPathComponent(descriptor.packageFileName)
        let temporary = folder.appendingPathComponent(".\(descriptor.packageFileName).\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let archive = try Archive(url: temporary, accessMode: .create)
            for entry in entries {
                try archive.addEntry(with: entry.name, type: .file, uncompressedSize: Int64(entry.bytes.count),
                                     modificationDate: Date(timeIntervalSince1970: 0), permissions: 0o644,
                                     compressionMethod: .deflate) { position, size in
                    entry.bytes.subdata(in: Int(position)..<Int(position) + size)
                }
            }
            guard rename(temporary.path, destination.path) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw refuse(.archive, "cannot write \(destination.path): \(error.localizedDescription)")
        }
        return (destination, descriptor)
    }
}
