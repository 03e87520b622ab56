import AgentHostCore
import AgentHostDirectory
import AgentHostServer
import ArgumentParser
import Foundation
import Logging
import Synchronization

struct DirectoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "directory",
        abstract: "Use plugin directories (add, search, info) and run one (publish, sign, serve).",
        discussion: """
            A directory is a folder or an HTTP(S) server holding index.json (every plugin and version it offers, \
            with sizes, SHA-256s and publisher keys), index.sig (the directory's Ed25519 signature of it) and the \
            packages. The directories you add, with the key each must be signed by, are kept in \
            $AGENTHOST_HOME/directories.json; the last index trusted from each, in $AGENTHOST_HOME/directories/.
            """,
        subcommands: [Add.self, List.self, Remove.self, Search.self, Info.self, Publish.self, Sign.self, Serve.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Trust a directory: its address and the key its index must be signed by.")

        @Argument(help: "A short name for it, used by install --from and in the lock file.") var name: String
        @Argument(help: "Its address: a folder, file://, http:// or https://.") var location: String
        @Option(help: ArgumentHelp("The directory's public key line (ah-ed25519 ...), or a .pub file holding it.", valueName: "key")) var key: String
        @Option(name: .customLong("publisher"), help: ArgumentHelp(
            "Accept only packages signed by this publisher key (repeatable; default: the key the signed index names for each release).",
            valueName: "key")) var publishers: [String] = []
        @Flag(help: "Accept unsigned packages from this directory (they are listed as unsigned).") var allowUnsigned = false
        @Flag(help: "Replace a directory of the same name (a new address or key).") var replace = false

        func run() throws {
            guard PlainName.isValid(name) else { throw CLIError("'\(name)' cannot name a directory: use letters, digits, '.', '-' or '_'") }
            guard !location.trimmingCharacters(in: .whitespaces).isEmpty else { throw CLIError("the directory's address is empty: give a folder or an http(s):// URL") }
            let location = try CLIError.wrapping { () throws(TransportError) in try DirectoryLocation(self.location) }
            let list = DirectoryList()
            var directories = try CLIError.wrapping { () throws(DirectoryError) in try list.load() }
            if let existing = directories.first(where: { $0.name == name }), !replace {
                throw CLIError(DirectoryError.directoryExists(name: name, url: existing.location).description)
            }
            let directory = TrustedDirectory(name: name, location: location.description, key: try KeyArgument.publicKey(key),
                                             publishers: try publishers.map(KeyArgument.publicKey), allowsUnsigned: allowUnsigned)
            let index = try DirectoryAddition.check(directory, replacing: directories.first { $0.name == name }, home: list.home)
            directories.removeAll { $0.name == name }
            directories.append(directory)
            try CLIError.wrapping { () throws(DirectoryError) in try list.save(directories) }
            print("added \(directory.label): \(index.plugins.count) plugin\(index.plugins.count == 1 ? "" : "s"), index version \(index.version), "
                  + "signed by \(directory.publicKey?.description ?? "?"), valid until \(index.expires.formatted(.iso8601))"
                  + (allowUnsigned ? "; unsigned packages are accepted from it" : ""))
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the directories added, and the index trusted from each.")

        func run() throws {
            let list = DirectoryList()
            let directories = try CLIError.wrapping { () throws(DirectoryError) in try list.load() }
            guard !directories.isEmpty else {
                print("No directory is added. Add one with `agenthost directory add NAME URL --key KEY`.")
                return
            }
            for directory in directories {
                let trusted = Result(catching: { () throws(DirectoryError) -> DirectoryIndex? in
                    try DirectoryClient(directory: directory, home: list.home).trusted()
                })
                let state = switch trusted {
                case .success(let index?):
                    "index version \(index.version), \(index.plugins.count) plugin\(index.plugins.count == 1 ? "" : "s"), valid until \(index.expires.formatted(.iso8601))"
                case .success(nil): "no index trusted yet"
                case .failure(let error): error.description
                }
                print("\(directory.name)  \(directory.location)  \(directory.publicKey?.description ?? "malformed key")"
                      + (directory.allowsUnsigned ? "  unsigned packages allowed" : "") + "\n  \(state)")
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop trusting a directory (plugins installed from it stay installed).")

        @Argument(help: "The directory's name.") var name: String

        func run() throws {
            let list = DirectoryList()
            try CLIError.wrapping { () throws(DirectoryError) in
                _ = try list.named(name)
                try list.save(try list.load().filter { $0.name != name })
            }
            try? FileManager.default.removeItem(at: list.home.appendingPathComponent("directories").appendingPathComponent(name))
            print("removed directory '\(name)'")
        }
    }

    struct Search: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Find plugins by id, name, description, capability or keyword.")

        @Argument(help: "Words to look for; every word must match.") var words: [String] = []
        @Option(help: "Search one directory only.") var from: String?
        @Flag(help: "Ask each directory for its index now (by default a search within 10 minutes of the last check uses the index checked then).")
        var refresh = false
        @Flag(help: "Print JSON instead of text.") var json = false

        func run() throws {
            let searches = try TrustedIndexes.searches(only: from, refresh: refresh)
            let hits = PluginSearch(merging: searches.map(\.search)).search(words.joined(separator: " "))
            if json {
                struct Hit: Encodable { var id, name, description, version, directory: String; var capabilities: [String] }
                let entries = hits.map { Hit(id: $0.plugin.id, name: $0.plugin.name, description: $0.plugin.description, version: $0.plugin.version,
                                             directory: $0.plugin.directory, capabilities: $0.plugin.capabilities) }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(entries), as: UTF8.self))
                return
            }
            guard !hits.isEmpty else {
                print("No plugin matches '\(words.joined(separator: " "))' in \(searches.map(\.directory).joined(separator: ", ")).")
                throw ExitCode.failure
            }
            for hit in hits {
                print("\(hit.plugin.id) \(hit.plugin.version)  \(hit.plugin.name)  [\(hit.plugin.directory)]")
                if !hit.plugin.description.isEmpty { print("  \(hit.plugin.description)") }
                print("  capabilities: \(hit.plugin.capabilities.joined(separator: ", "))")
            }
        }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a plugin of a directory: its versions, what it does, what it may do.")

        @Argument(help: "The plugin's id.") var id: String
        @Option(help: "Look in one directory only.") var from: String?

        func run() throws {
            let indexes = try TrustedIndexes.load(only: from)
            let found = indexes.compactMap { directory, index in index.plugin(id).map { (directory, $0) } }
            guard !found.isEmpty else { throw CLIError(DirectoryError.noSuchPlugin(id: id, searched: indexes.map { $0.0.label }).description) }
            for (directory, plugin) in found {
                print("\(plugin.id)  \(plugin.name)  [\(directory.name)]")
                if !plugin.description.isEmpty { print("  \(plugin.description)") }
                for release in plugin.newestFirst {
                    let problem = HostRequirements.current.problem(with: release)
                    print("  \(release.version)  \(release.platform)  ABI \(release.abi)  host \(release.hostVersions)  \(ByteCount.text(release.size))  "
                          + "\(release.publisherKey.map { "signed by \($0)" } ?? "UNSIGNED")  \(problem.map { "cannot run here: \($0)" } ?? "runs here")")
                }
                if let newest = plugin.newest {
                    for capability in newest.capabilities { print("  capability \(capability.name): \(capability.description)") }
                    for tool in newest.tools { print("  tool \(tool.name) \(tool.signature) [\(tool.states.joined(separator: ","))]") }
                    let permissions = newest.permissions
                    print("  permissions: network \(permissions.network.isEmpty ? "none" : permissions.network.joined(separator: ", ")); "
                          + "paths \(permissions.paths.isEmpty ? "none" : permissions.paths.joined(separator: ", ")); "
                          + "commands \(permissions.commands.isEmpty ? "none" : permissions.commands.joined(separator: ", ")); "
                          + "models \(permissions.models.isEmpty ? "none" : permissions.models.joined(separator: ", "))")
                }
                print("  install: agenthost plugins install \(plugin.id)\(found.count > 1 ? " --from \(directory.name)" : "")")
            }
        }
    }

    struct Publish: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a package to a directory folder as a new, immutable version, and sign the index.")

        @Argument(help: "The package file (.ahpkg), made by `agenthost plugins pack`.") var package: String
        @Option(help: ArgumentHelp("The directory's folder (made when missing).", valueName: "folder")) var to: String
        @Option(help: ArgumentHelp("The directory's signing key: a name from `agenthost keys list`, or a .key file.", valueName: "key")) var key: String
        @Option(help: "The directory's name, shown on its page (default: the folder's name).") var name: String?
        @Flag(help: "Accept a package that is not signed.") var allowUnsigned = false
        @Option(help: ArgumentHelp("How many days the signed index stays valid.", valueName: "days")) var expiresInDays: Int = 30

        func run() throws {
            guard (1...3650).contains(expiresInDays) else { throw CLIError("--expires-in-days must be from 1 to 3650, got \(expiresInDays)") }
            let signingKey = try CLIError.wrapping { () throws(KeyError) in try KeyRing().signingKey(key) }
            let folder = DirectoryFolder(url: URL(fileURLWithPath: to))
            let release = try CLIError.wrapping { () throws(DirectoryError) in
                try folder.publish(package: URL(fileURLWithPath: package), key: signingKey, name: name, allowUnsigned: allowUnsigned,
                                   lifetime: TimeInterval(expiresInDays) * 86_400)
            }
            let index = try CLIError.wrapping { () throws(DirectoryError) in try folder.index() }
            print("published \(URL(fileURLWithPath: package).lastPathComponent) as \(release.file) (\(ByteCount.text(release.size)), sha256 \(release.sha256)); "
                  + "index version \(index?.version ?? 0) signed by \(signingKey.publicKey)")
        }
    }

    struct Sign: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign a directory's index again with a new expiry (run it before the index expires; clients refuse an expired index).")

        @Argument(help: "The directory's folder.") var folder: String
        @Option(help: ArgumentHelp("The directory's signing key: a name or a .key file.", valueName: "key")) var key: String
        @Option(help: ArgumentHelp("How many days the signed index stays valid.", valueName: "days")) var expiresInDays: Int = 30

        func run() throws {
            guard (1...3650).contains(expiresInDays) else { throw CLIError("--expires-in-days must be from 1 to 3650, got \(expiresInDays)") }
            let signingKey = try CLIError.wrapping { () throws(KeyError) in try KeyRing().signingKey(key) }
            let index = try CLIError.wrapping { () throws(DirectoryError) in
                try DirectoryFolder(url: URL(fileURLWithPath: folder)).sign(key: signingKey, lifetime: TimeInterval(expiresInDays) * 86_400)
            }
            print("signed index version \(index.version) of \(folder), valid until \(index.expires.formatted(.iso8601))")
        }
    }

    struct Serve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve a directory folder over HTTP: its index and packages, and its marketplace page.")

        @Argument(help: "The directory's folder.") var folder: String
        @Option(help: "The address to listen on.") var host: String = "127.0.0.1"
        @Option(help: "The port to listen on (0: any free port).") var port: Int = 8470
        @Option(help: ArgumentHelp("Log level on stderr: trace, debug, info, warning, error.", valueName: "level")) var logLevel: String = "warning"

        func run() throws {
            guard (0...65535).contains(port) else { throw CLIError("--port must be from 0 to 65535, got \(port)") }
            guard let level = Logger.Level(rawValue: logLevel.lowercased()) else { throw CLIError("--log-level '\(logLevel)' is not a log level") }
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) else {
                throw CLIError("'\(folder)' does not exist; publish a package to make a directory there (`agenthost directory publish PACKAGE --to \(folder) --key KEY`)")
            }
            guard isFolder.boolValue else { throw CLIError("'\(folder)' is a file; a directory is a folder (made by `agenthost directory publish`)") }
            guard FileManager.default.fileExists(atPath: URL(fileURLWithPath: folder).appendingPathComponent(DirectoryIndex.fileName).path) else {
                throw CLIError("'\(folder)' holds no \(DirectoryIndex.fileName): it is not a directory yet; publish a package to it first (`agenthost directory publish PACKAGE --to \(folder) --key KEY`)")
            }
            var logger = Logger(label: "agenthost.directory")
            logger.logLevel = level
            let server = DirectoryServer(folder: DirectoryFolder(url: URL(fileURLWithPath: folder).standardizedFileURL), host: host, port: port)
            let finished = DispatchSemaphore(value: 0)
            let failure = Mutex<DirectoryServer.Failure?>(nil)
            Task {
                do throws(DirectoryServer.Failure) {
                    try await server.run(logger: logger) { port in
                        // A script that started the server waits for this line: write it at once.
                        FileHandle.standardOutput.write(Data("serving \(folder) at http://\(host):\(port)/ (Ctrl-C stops)\n".utf8))
                    }
                } catch {
                    failure.withLock { $0 = error }
                }
                finished.signal()
            }
            finished.wait()
            if let error = failure.withLock({ $0 }) { throw CLIError("\(error)") }
        }
    }
}

/// A public key given on the command line: its line, a file holding it, or
/// the name of one of your own keys (`agenthost keys list`).
enum KeyArgument {
    static func publicKey(_ text: String) throws -> PublicKey {
        var line = text
        if !text.hasPrefix(PublicKey.scheme) {
            if FileManager.default.fileExists(atPath: text) {
                guard let contents = try? String(contentsOfFile: text, encoding: .utf8) else { throw CLIError("cannot read the key file \(text)") }
                if contents.hasPrefix(SigningKey.scheme) {
                    throw CLIError("\(text) is a private key; give its public key instead (the .pub file beside it, or the line `agenthost keys list` prints)")
                }
                line = contents
            } else if let own = KeyRing().list().first(where: { $0.name == text }) {
                return own.key
            } else if text.contains("/") || text.hasSuffix(".pub") {
                throw CLIError("\(text) does not exist; give a public key line (ah-ed25519 ...) or the path of a .pub file")
            }
        }
        return try CLIError.wrapping { () throws(KeyError) in try PublicKey(line: line.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }
}
