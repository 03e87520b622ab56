import Foundation

/// An index's exact bytes with the directory's signature of them, as a
/// directory serves them (`index.json` and `index.sig`) and a client keeps
/// the last one it trusted.
public struct SignedIndex: Sendable {
    public static let signatureFileName = "index.sig"

    struct Signature: Codable {
        var key: String
        var signature: String
    }

    public let bytes: Data
    public let signatureBytes: Data

    public init(bytes: Data, signatureBytes: Data) {
        self.bytes = bytes
        self.signatureBytes = signatureBytes
    }

    /// Encodes and signs `index`.
    public init(signing index: DirectoryIndex, with key: SigningKey) throws(KeyError) {
        // Compact: a large directory's index is read by every client at every refresh.
        // Dates, strings and numbers only: encoding cannot fail.
        let encoder = JSONEncoder.directory
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let bytes = (try? encoder.encode(index)) ?? Data()
        let signature = Signature(key: key.publicKey.line, signature: Data(try key.sign(bytes)).base64EncodedString())
        self.init(bytes: bytes, signatureBytes: (try? JSONEncoder.directory.encode(signature)) ?? Data())
    }

    /// The key the signature file names, whether or not the signature holds.
    public var signer: PublicKey? {
        (try? JSONDecoder().decode(Signature.self, from: signatureBytes)).flatMap { try? PublicKey(line: $0.key) }
    }

    /// The index, when `key` signed these bytes; `source` names the directory in errors.
    public func verified(by key: PublicKey, source: String) throws(IndexError) -> DirectoryIndex {
        guard let signature = try? JSONDecoder().decode(Signature.self, from: signatureBytes),
              let signer = try? PublicKey(line: signature.key), let raw = Data(base64Encoded: signature.signature) else {
            throw .malformedSignature(source: source)
        }
        guard signer == key else { throw .wrongKey(source: source, signer: signer, trusted: key) }
        guard key.verifies(Array(raw), of: bytes) else { throw .badSignature(source: source, key: key) }
        do {
            let index = try JSONDecoder.directory.decode(DirectoryIndex.self, from: bytes)
            guard index.format == DirectoryIndex.currentFormat else { throw IndexError.unsupportedFormat(source: source, format: index.format) }
            return index
        } catch let error as IndexError {
            throw error
        } catch {
            throw .malformedIndex(source: source, reason: "\(error)")
        }
    }

    /// Writes `index.json` and `index.sig` into `folder`, each atomically.
    public func write(into folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try signatureBytes.write(to: folder.appendingPathComponent(Self.signatureFileName), options: .atomic)
        try bytes.write(to: folder.appendingPathComponent(DirectoryIndex.fileName), options: .atomic)
    }

    /// The index and signature in `folder`, nil when there is no index there.
    public static func read(from folder: URL) throws -> SignedIndex? {
        let indexURL = folder.appendingPathComponent(DirectoryIndex.fileName)
        guard FileManager.default.fileExists(atPath: indexURL.path) else { return nil }
        return SignedIndex(bytes: try Data(contentsOf: indexURL),
                           signatureBytes: try Data(contentsOf: folder.appendingPathComponent(signatureFileName)))
    }
}
