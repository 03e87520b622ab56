import AgentHostCore
import Foundation

/// The signing keys of this user, one `NAME.key` (private, mode 0600) and one
/// `NAME.pub` (its public line) per key, in `$AGENTHOST_HOME/keys`.
public struct KeyRing: Sendable {
    public let folder: URL

    public init(folder: URL = AgentHostHome.folder().appendingPathComponent("keys")) {
        self.folder = folder
    }

    /// Makes a new key pair. A name that exists is refused: losing a
    /// publisher's key to a typo would orphan every package it signed.
    public func generate(name: String) throws(KeyError) -> SigningKey {
        guard PlainName.isValid(name) else { throw .invalidName(name) }
        let secret = folder.appendingPathComponent("\(name).key")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .unwritable(path: folder.path, reason: error.localizedDescription)
        }
        let key = SigningKey.generate(name: name)
        // O_EXCL: two commands generating the same name cannot both win.
        let descriptor = open(secret.path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            if errno == EEXIST { throw .keyExists(name: name, path: secret.path) }
            throw .unwritable(path: secret.path, reason: String(cString: strerror(errno)))
        }
        let text = Array(key.fileText.utf8)
        let written = write(descriptor, text, text.count)
        close(descriptor)
        guard written == text.count else {
            unlink(secret.path)
            throw .unwritable(path: secret.path, reason: "the disk took \(max(written, 0)) of \(text.count) bytes")
        }
        do {
            try (key.publicKey.line + "\n").write(to: folder.appendingPathComponent("\(name).pub"), atomically: true, encoding: .utf8)
        } catch {
            throw .unwritable(path: folder.appendingPathComponent("\(name).pub").path, reason: error.localizedDescription)
        }
        return key
    }

    /// Every key pair in the folder that reads, by name.
    public func list() -> [(name: String, key: PublicKey)] {
        entries().compactMap { name, key in (try? key.get()).map { (name, $0.publicKey) } }
    }

    /// Every key file in the folder, by name, with the key or why it does not read.
    public func entries() -> [(name: String, key: Result<SigningKey, KeyError>)] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return files.filter { $0.hasSuffix(".key") }.sorted().map { file in
            let name = String(file.dropLast(4))
            return (name, Result { () throws(KeyError) in try signingKey(name) })
        }
    }

    /// A signing key by name (from this folder) or by the path of its file.
    public func signingKey(_ nameOrPath: String) throws(KeyError) -> SigningKey {
        let isPath = nameOrPath.contains("/") || nameOrPath.hasSuffix(".key")
        let url = isPath ? URL(fileURLWithPath: nameOrPath) : folder.appendingPathComponent("\(nameOrPath).key")
        let name = isPath ? url.deletingPathExtension().lastPathComponent : nameOrPath
        guard FileManager.default.fileExists(atPath: url.path) else {
            if isPath { throw .unreadable(path: url.path, reason: "there is no such file") }
            let known = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
                .filter { $0.hasSuffix(".key") }.map { String($0.dropLast(4)) }.sorted()
            throw .unknownKey(name: name, folder: folder.path, known: known)
        }
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw .unreadable(path: url.path, reason: error.localizedDescription)
        }
        return try SigningKey(fileText: text, name: name)
    }
}
