import Crypto
import Foundation

/// An Ed25519 private key that signs packages (a publisher's) or indexes (a
/// directory's). Its file holds one line, `ah-ed25519-secret <base64 seed>`,
/// readable by its owner only.
public struct SigningKey: Sendable {
    public static let scheme = "ah-ed25519-secret"

    private let key: Curve25519.Signing.PrivateKey
    public let name: String

    public static func generate(name: String) -> SigningKey { SigningKey(key: .init(), name: name) }

    private init(key: Curve25519.Signing.PrivateKey, name: String) {
        self.key = key
        self.name = name
    }

    /// Reads a key file's text; `name` is what the key is called in messages and comments.
    public init(fileText: String, name: String) throws(KeyError) {
        let words = fileText.split(whereSeparator: \.isWhitespace)
        if words.first.map(String.init) == PublicKey.scheme { throw .publicKeyGiven(name: name) }
        guard words.count == 2, words[0] == Self.scheme, let seed = Data(base64Encoded: String(words[1])),
              let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else {
            throw .malformedSigningKey(name: name)
        }
        self.init(key: key, name: name)
    }

    public var fileText: String { "\(Self.scheme) \(key.rawRepresentation.base64EncodedString())\n" }

    public var publicKey: PublicKey {
        // A key made by CryptoKit always has 32 bytes.
        (try? PublicKey(bytes: Array(key.publicKey.rawRepresentation), comment: name))!
    }

    public func sign(_ message: some DataProtocol) throws(KeyError) -> [UInt8] {
        do {
            return Array(try key.signature(for: message))
        } catch {
            throw .signingFailed(name: name, reason: "\(error)")
        }
    }
}
