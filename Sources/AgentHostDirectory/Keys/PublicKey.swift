import Crypto
import Foundation

/// An Ed25519 public key, written on one line as minisign and OpenSSH do:
/// `ah-ed25519 <base64 of the 32 key bytes> [comment]`. The comment (the
/// key's name) is for people; two keys are the same when their bytes are.
public struct PublicKey: Sendable, Hashable, CustomStringConvertible {
    public static let scheme = "ah-ed25519"

    /// The 32 bytes of the key.
    public let bytes: [UInt8]
    public var comment: String

    public init(bytes: [UInt8], comment: String = "") throws(KeyError) {
        guard (try? Curve25519.Signing.PublicKey(rawRepresentation: bytes)) != nil else {
            throw .malformedPublicKey("it holds \(bytes.count) bytes; an Ed25519 public key has 32")
        }
        self.bytes = bytes
        self.comment = comment
    }

    /// Reads a key line, as `keys generate` prints it and `directory add --key` takes it.
    public init(line: String) throws(KeyError) {
        let words = line.split(whereSeparator: \.isWhitespace)
        guard words.count >= 2, words[0] == Self.scheme else {
            throw .malformedPublicKey("it should read '\(Self.scheme) <base64 key> [name]', as `agenthost keys list` prints it")
        }
        guard let data = Data(base64Encoded: String(words[1])) else {
            throw .malformedPublicKey("'\(words[1])' is not base64")
        }
        try self.init(bytes: Array(data), comment: words.dropFirst(2).joined(separator: " "))
    }

    /// The key on one line, with its comment.
    public var line: String {
        let key = "\(Self.scheme) \(Data(bytes).base64EncodedString())"
        return comment.isEmpty ? key : "\(key) \(comment)"
    }

    /// A short name for the key: the first 8 bytes of its SHA-256, in hex.
    public var id: String { Digest.hex(SHA256.hash(data: bytes).prefix(8)) }

    public var description: String { comment.isEmpty ? "key \(id)" : "key \(id) (\(comment))" }

    /// Whether `signature` is this key's Ed25519 signature of `message`.
    public func verifies(_ signature: [UInt8], of message: some DataProtocol) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: bytes) else { return false }
        return key.isValidSignature(signature, for: message)
    }

    public static func == (lhs: PublicKey, rhs: PublicKey) -> Bool { lhs.bytes == rhs.bytes }
    public func hash(into hasher: inout Hasher) { hasher.combine(bytes) }
}
