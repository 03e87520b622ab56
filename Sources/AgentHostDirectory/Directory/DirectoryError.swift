/// Why a directory operation failed: each message names the thing and what to do.
public enum DirectoryError: Error, Sendable, CustomStringConvertible {
    case package(PackageError)
    case index(IndexError)
    case key(KeyError)
    case transport(TransportError)
    case versionExists(id: String, version: String, platform: String, folder: String)
    case signedByAnotherKey(folder: String, signer: String, given: String)
    case unknownDirectory(name: String, known: [String])
    case directoryExists(name: String, url: String)
    case noSuchPlugin(id: String, searched: [String])
    case noCompatibleRelease(id: String, reasons: [String])
    case notInstalled(id: String, installed: [String])
    case installedByHand(id: String, folder: String)
    case lockMismatch(id: String, version: String, problem: String)
    case consentRefused(id: String)
    case io(path: String, reason: String)
    case invalid(String)

    public var description: String {
        switch self {
        case .package(let error): error.description
        case .index(let error): error.description
        case .key(let error): error.description
        case .transport(let error): error.description
        case .versionExists(let id, let version, let platform, let folder):
            "\(id) \(version) for \(platform) is already published in \(folder); published versions never change: raise the plugin's version and pack it again"
        case .signedByAnotherKey(let folder, let signer, let given):
            "the index in \(folder) is signed by \(signer), not by \(given); publish with the directory's own key (clients trust that one)"
        case .unknownDirectory(let name, let known):
            "no directory named '\(name)' (\(known.isEmpty ? "none is added" : "added: \(known.joined(separator: ", "))")); add one with `agenthost directory add NAME URL --key KEY`"
        case .directoryExists(let name, let url):
            "a directory named '\(name)' is already added (\(url)); pass --replace to change its address or key"
        case .noSuchPlugin(let id, let searched):
            "no plugin '\(id)' in \(searched.isEmpty ? "any directory (none is added: `agenthost directory add`)" : searched.joined(separator: ", ")); try `agenthost directory search WORDS`"
        case .noCompatibleRelease(let id, let reasons):
            "no release of \(id) can be installed here:\n" + reasons.map { "  - \($0)" }.joined(separator: "\n")
        case .notInstalled(let id, let installed):
            "\(id) was not installed from a directory (\(installed.isEmpty ? "nothing is" : "installed: \(installed.joined(separator: ", "))"))"
        case .installedByHand(let id, let folder):
            "\(folder) holds a copy of \(id) put there by hand; move it away first, so an install cannot overwrite it"
        case .lockMismatch(let id, let version, let problem):
            "the lock file's \(id) \(version) cannot be reproduced: \(problem)"
        case .consentRefused(let id):
            "\(id) was not installed: the permissions were not agreed to (answer y, or pass --yes)"
        case .io(let path, let reason):
            "cannot write \(path): \(reason)"
        case .invalid(let problem):
            problem
        }
    }
}
