import Foundation

/// Why an index was refused. Each case is one of the protections a signed,
/// numbered, expiring index gives; the message says which and what to do.
public enum IndexError: Error, Sendable, CustomStringConvertible {
    case malformedSignature(source: String)
    case wrongKey(source: String, signer: PublicKey, trusted: PublicKey)
    case badSignature(source: String, key: PublicKey)
    case malformedIndex(source: String, reason: String)
    case unsupportedFormat(source: String, format: Int)
    case rollback(source: String, offered: Int, trusted: Int)
    case changedWithoutVersion(source: String, version: Int)
    case expired(source: String, expires: Date)

    public var description: String {
        switch self {
        case .malformedSignature(let source):
            "the index of \(source) refused (signature check): its \(SignedIndex.signatureFileName) is missing or malformed"
        case .wrongKey(let source, let signer, let trusted):
            "the index of \(source) refused (key check): it is signed by \(signer), and this directory is trusted with \(trusted);"
                + " if the directory changed its key on purpose, add it again with the new key (`agenthost directory add NAME URL --key KEY --replace`)"
        case .badSignature(let source, let key):
            "the index of \(source) refused (signature check): the signature by \(key) does not match \(DirectoryIndex.fileName): it was changed after it was signed"
        case .malformedIndex(let source, let reason):
            "the index of \(source) refused: \(DirectoryIndex.fileName) is signed but not an index (\(reason))"
        case .unsupportedFormat(let source, let format):
            "the index of \(source) refused: it is in index format \(format), and this host reads format \(DirectoryIndex.currentFormat); upgrade agenthost"
        case .rollback(let source, let offered, let trusted):
            "the index of \(source) refused (rollback check): it is version \(offered), older than version \(trusted) trusted here before;"
                + " a mirror or an attacker may be serving an old index to hide a fix. The index trusted before is kept"
        case .changedWithoutVersion(let source, let version):
            "the index of \(source) refused (rollback check): it is version \(version), as the one trusted here, but its contents differ;"
                + " a directory must raise the version at every change. The index trusted before is kept"
        case .expired(let source, let expires):
            "the index of \(source) refused (expiry check): it expired at \(expires.formatted(.iso8601)); a mirror may be freezing what you see."
                + " The directory's owner re-signs it with `agenthost directory sign DIR --key KEY`"
        }
    }
}
