/// What went wrong with a key: each message says what to do about it.
public enum KeyError: Error, Sendable, CustomStringConvertible {
    case malformedPublicKey(String)
    case malformedSigningKey(name: String)
    case publicKeyGiven(name: String)
    case unknownKey(name: String, folder: String, known: [String])
    case keyExists(name: String, path: String)
    case invalidName(String)
    case unreadable(path: String, reason: String)
    case unwritable(path: String, reason: String)
    case signingFailed(name: String, reason: String)

    public var description: String {
        switch self {
        case .malformedPublicKey(let problem):
            "the public key is malformed: \(problem)"
        case .malformedSigningKey(let name):
            "the signing key '\(name)' is not an \(SigningKey.scheme) key file; make a new one with `agenthost keys generate NAME`"
        case .publicKeyGiven(let name):
            "'\(name)' is a public key; signing needs the private key: its name (`agenthost keys list`) or its .key file"
        case .unknownKey(let name, let folder, let known):
            "no signing key '\(name)' in \(folder) (\(known.isEmpty ? "it holds none" : "it holds \(known.joined(separator: ", "))")); "
                + "make one with `agenthost keys generate \(name)`, or pass the path of a key file"
        case .keyExists(let name, let path):
            "a key named '\(name)' exists already (\(path)); choose another name: a key is never overwritten"
        case .invalidName(let name):
            "'\(name)' cannot name a key: use letters, digits, '.', '-' or '_'"
        case .unreadable(let path, let reason):
            "cannot read the key file \(path): \(reason)"
        case .unwritable(let path, let reason):
            "cannot write the key file \(path): \(reason)"
        case .signingFailed(let name, let reason):
            "signing with the key '\(name)' failed: \(reason)"
        }
    }
}
