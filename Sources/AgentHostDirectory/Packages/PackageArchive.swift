import AgentHostCore
import Foundation
@preconcurrency import ZIPFoundation

/// A package file's bytes, read but not trusted. ``verify(trust:)`` checks
/// it, entirely in memory, and only a ``VerifiedPackage`` can be unpacked:
/// nothing of a package reaches the disk, and nothing of it runs, before
/// every check has passed.
public struct PackageArchive: Sendable {
    public static let fileExtension = "ahpkg"
    /// More files than a plugin needs is a sign of something else.
    static let maximumEntries = 64
    /// The most a package may unpack to.
    public static let maximumUnpackedBytes = 1 << 30

    /// What the package is called in messages: its file name or URL.
    public let name: String
    public let data: Data

    public init(data: Data, name: String) {
        self.data = data
        self.name = name
    }

    public init(contentsOf url: URL) throws(PackageError) {
        do {
            // Read once, into memory: what is hashed, checked and published are the same bytes, whatever the file does next.
            self.init(data: try Data(contentsOf: url), name: url.lastPathComponent)
        } catch {
            throw PackageError(package: url.path, check: .archive, "cannot read it: \(error.localizedDescription)")
        }
    }

    public var sha256: String { Digest.sha256(data) }

    /// Whom a package must be signed by.
    public struct Trust: Sendable {
        /// Keys whose signature is accepted; nil accepts any valid signature (`plugins verify` without `--key`).
        public var keys: [PublicKey]?
        /// Accept a package that carries no signature (the operator said so for one directory).
        public var allowsUnsigned: Bool
        /// Where the trusted keys come from, for messages ("directory 'acme'").
        public var source: String

        public init(keys: [PublicKey]?, allowsUnsigned: Bool = false, source: String) {
            self.keys = keys
            self.allowsUnsigned = allowsUnsigned
            self.source = source
        }
    }

    /// Runs every check but compatibility, in order, and returns the
    /// package's files; the first check that fails refuses it.
    public func verify(trust: Trust) throws(PackageError) -> VerifiedPackage {
        let entries = try readEntries()
        guard let descriptorBytes = entries[PackageDescriptor.fileName] else {
            throw refuse(.descriptor, "it holds no \(PackageDescriptor.fileName); is it an agenthost package (made by `agenthost plugins pack`)?")
        }
        let descriptor: PackageDescriptor
        do {
            descriptor = try JSONDecoder().decode(PackageDescriptor.self, from: descriptorBytes)
        } catch {
            throw refuse(.descriptor, "\(PackageDescriptor.fileName) is not a package descriptor: \(error)")
        }
        guard descriptor.format == PackageDescriptor.currentFormat else {
            throw refuse(.descriptor, "it is in package format \(descriptor.format), and this host reads format \(PackageDescriptor.currentFormat); upgrade agenthost")
        }
        let signer = try checkSignature(entries[PackageSignature.fileName], of: descriptorBytes, trust: trust)
        let files = try checkFiles(descriptor, entries: entries)
        let manifest = try checkManifest(descriptor, files: files)
        return VerifiedPackage(descriptor: descriptor, manifest: manifest, files: files, signer: signer,
                               sha256: sha256, size: data.count)
    }

    private func refuse(_ check: PackageError.Check, _ problem: String) -> PackageError {
        PackageError(package: name, check: check, problem)
    }

    /// Every entry's bytes, by name. Only plain files with plain names, at
    /// the archive's top level, each no bigger than the archive says.
    private func readEntries() throws(PackageError) -> [String: Data] {
        // ZIPFoundation reads a file with fread, which answers a hostile offset with a short read; its in-memory
        // reader traps on one (found by `Fuzz/run package`). So the bytes are read from a private temporary file.
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("agenthost-package-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: url) }
        guard FileManager.default.createFile(atPath: url.path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw refuse(.archive, "cannot hold it in a temporary file (\(url.path)) to read it; is the disk full?")
        }
        let archive: Archive
        do {
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            throw refuse(.archive, "it is not a readable package archive (\(error)); the file is damaged or was cut short")
        }
        var entries: [String: Data] = [:]
        var total = 0
        for entry in archive {
            let path = entry.path
            guard entries.count < Self.maximumEntries else { throw refuse(.archive, "it holds more than \(Self.maximumEntries) files") }
            guard entry.type == .file else { throw refuse(.archive, "'\(path)' is a \(entry.type == .symlink ? "symbolic link" : "folder"); a package holds plain files only") }
            guard PlainName.isValid(path) else {
                throw refuse(.archive, "'\(path)' is not a plain file name (no folders, no '..', no leading '.' or '-')")
            }
            guard entries[path] == nil else { throw refuse(.archive, "'\(path)' is in it twice") }
            let declared = Int(clamping: entry.uncompressedSize)
            total += declared
            guard total <= Self.maximumUnpackedBytes else { throw refuse(.archive, "it unpacks to more than \(Self.maximumUnpackedBytes >> 20) MiB") }
            var bytes = Data()
            bytes.reserveCapacity(declared)
            do {
                // The SHA-256 of each file is checked below; CRC-32 would only repeat it, slower.
                _ = try archive.extract(entry, skipCRC32: true) { chunk in
                    // An entry that inflates past its declared size is a zip bomb or damage: stop reading it.
                    guard bytes.count + chunk.count <= declared else { throw Archive.ArchiveError.invalidEntrySize }
                    bytes.append(chunk)
                }
            } catch {
                throw refuse(.archive, "'\(path)' cannot be read (\(error)); the file is damaged")
            }
            guard bytes.count == declared else { throw refuse(.archive, "'\(path)' holds \(bytes.count) bytes, and the archive says \(declared)") }
            entries[path] = bytes
        }
        return entries
    }


    private func checkSignature(_ bytes: Data?, of descriptor: Data, trust: Trust) throws(PackageError) -> PublicKey? {
        guard let bytes else {
            if trust.allowsUnsigned { return nil }
            throw refuse(.signature, "it is not signed; its publisher signs it with `agenthost plugins pack FOLDER --key NAME`"
                + " (to accept it unsigned on purpose: --allow-unsigned for verify and publish, or a directory added with --allow-unsigned)")
        }
        let signature: PackageSignature
        let key: PublicKey
        do {
            signature = try JSONDecoder().decode(PackageSignature.self, from: bytes)
            key = try PublicKey(line: signature.key)
        } catch {
            throw refuse(.signature, "\(PackageSignature.fileName) is malformed: \(error)")
        }
        if let keys = trust.keys, !keys.contains(key) {
            throw refuse(.signature, "it is signed by \(key), which \(trust.source) does not trust"
                + (keys.isEmpty ? " (it lists this release as unsigned)" : " (it trusts \(keys.map(\.description).joined(separator: ", ")))"))
        }
        guard let raw = Data(base64Encoded: signature.signature), key.verifies(Array(raw), of: descriptor) else {
            throw refuse(.signature, "the signature by \(key) does not match \(PackageDescriptor.fileName): the package was changed after it was signed")
        }
        return trust.keys?.first { $0 == key } ?? key
    }

    private func checkFiles(_ descriptor: PackageDescriptor, entries: [String: Data]) throws(PackageError) -> [String: Data] {
        var files: [String: Data] = [:]
        for file in descriptor.files {
            guard PlainName.isValid(file.path), file.path != PackageDescriptor.fileName, file.path != PackageSignature.fileName else {
                throw refuse(.files, "\(PackageDescriptor.fileName) lists '\(file.path)', which a package cannot hold")
            }
            guard let bytes = entries[file.path] else { throw refuse(.files, "'\(file.path)' is listed in \(PackageDescriptor.fileName) but missing") }
            guard bytes.count == file.size else {
                throw refuse(.files, "'\(file.path)' holds \(bytes.count) bytes, and \(PackageDescriptor.fileName) says \(file.size): it was changed after the package was built")
            }
            let actual = Digest.sha256(bytes)
            guard actual == file.sha256 else {
                throw refuse(.files, "'\(file.path)' has SHA-256 \(actual), and \(PackageDescriptor.fileName) says \(file.sha256): it was changed after the package was built")
            }
            files[file.path] = bytes
        }
        let unlisted = entries.keys.filter { files[$0] == nil && $0 != PackageDescriptor.fileName && $0 != PackageSignature.fileName }
        guard unlisted.isEmpty else {
            throw refuse(.files, "it holds \(unlisted.sorted().joined(separator: ", ")), which \(PackageDescriptor.fileName) does not list: it was added after the package was built")
        }
        return files
    }

    private func checkManifest(_ descriptor: PackageDescriptor, files: [String: Data]) throws(PackageError) -> PluginManifest {
        guard let bytes = files[PluginManifest.fileName] else { throw refuse(.manifest, "it holds no \(PluginManifest.fileName)") }
        let manifest: PluginManifest
        do {
            manifest = try PluginManifest.decode(bytes, location: "\(name): \(PluginManifest.fileName)")
        } catch {
            throw refuse(.manifest, "\(error)")
        }
        guard manifest.id == descriptor.id, manifest.version == descriptor.version else {
            throw refuse(.manifest, "\(PluginManifest.fileName) is \(manifest.id) \(manifest.version), and \(PackageDescriptor.fileName) says \(descriptor.id) \(descriptor.version)")
        }
        guard manifest.abi.major == descriptor.abi.major, manifest.abi.minor == descriptor.abi.minor else {
            throw refuse(.manifest, "\(PluginManifest.fileName) needs ABI \(manifest.abi), and \(PackageDescriptor.fileName) says \(descriptor.abi)")
        }
        let library = PluginManifest.libraryFileName(manifest.library)
        guard files[library] != nil else {
            throw refuse(.manifest, "the manifest's library '\(manifest.library)' (\(library)) is not in the package")
        }
        return manifest
    }
}
