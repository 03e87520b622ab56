import AgentHostCore
import Foundation

/// A package that passed every check: the only kind that can be unpacked.
public struct VerifiedPackage: Sendable {
    public let descriptor: PackageDescriptor
    public let manifest: PluginManifest
    /// Every file, by name, as verified.
    let files: [String: Data]
    /// The key that signed it; nil for an unsigned package the trust allowed.
    public let signer: PublicKey?
    /// The whole package file's SHA-256 and size.
    public let sha256: String
    public let size: Int

    /// Writes every file into `folder`, which must not exist; the library is
    /// made executable. Nothing else is written, and nothing is run.
    func unpack(into folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        let library = PluginManifest.libraryFileName(manifest.library)
        for (path, bytes) in files {
            let url = folder.appendingPathComponent(path)
            try bytes.write(to: url)
            try FileManager.default.setAttributes([.posixPermissions: path == library ? 0o755 : 0o644], ofItemAtPath: url.path)
        }
    }
}
