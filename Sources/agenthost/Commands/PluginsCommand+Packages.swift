import AgentHostCore
import AgentHostDirectory
import ArgumentParser
import Foundation

extension PluginsCommand {
    struct Pack: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build a package (ID-VERSION-PLATFORM.ahpkg) of a plugin folder that `plugins check` accepts, signed with your key.",
            discussion: """
                The package holds plugin.json, the library, and the README and licence found beside the manifest, \
                with the SHA-256 of each in package.json, which your key signs. The folder is checked as \
                `plugins check` does, with the binary loaded only in a confined child process, never in this one.
                """)

        @OptionGroup var host: HostOptions
        @Argument(help: "The plugin's folder (holding plugin.json).") var folder: String
        @Option(help: ArgumentHelp("Your signing key: a name from `agenthost keys list`, or a .key file. Without it the package is unsigned.",
                                   valueName: "key")) var key: String?
        @Option(help: ArgumentHelp("Where to write the package (default: this folder).", valueName: "folder")) var output: String = "."
        @Option(help: ArgumentHelp("The agenthost versions the plugin works with, e.g. '>=0.1 <1' or ^0.1.", valueName: "range"))
        var hostVersions: String = "*"
        @Option(name: .customLong("file"), help: ArgumentHelp("A README or licence file to include (repeatable; default: those beside plugin.json).",
                                                             valueName: "path")) var documents: [String] = []

        func run() throws {
            try host.bootstrapLogging()
            let range = try CLIError.wrapping { () throws(VersionError) in try VersionRange(hostVersions) }
            let signingKey = try key.map { name in try CLIError.wrapping { () throws(KeyError) in try KeyRing().signingKey(name) } }
            let (manifestURL, plugin) = try PluginCheck.checked(folder: folder, host: host, isolated: true)
            let builder = PackageBuilder(manifestURL: manifestURL, manifest: plugin.manifest, binaryURL: URL(fileURLWithPath: plugin.binaryPath),
                                         documents: documents.map { URL(fileURLWithPath: $0) }, hostVersions: range, key: signingKey)
            let (url, descriptor) = try CLIError.wrapping { () throws(PackageError) in try builder.write(into: URL(fileURLWithPath: output)) }
            AgentHost.shutdown()
            let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
            print(url.path)
            var note = "packed \(descriptor.id) \(descriptor.version) for \(descriptor.platform): \(descriptor.files.map(\.path).joined(separator: ", ")); "
                + "\(ByteCount.text(size)); " + (signingKey.map { "signed by \($0.publicKey)" } ?? "UNSIGNED (pass --key NAME to sign it)")
            if !builder.missingDocuments.isEmpty { note += "\nwarning: no \(builder.missingDocuments.joined(separator: " and ")) beside plugin.json; add one, or pass --file PATH" }
            FileHandle.standardError.write(Data((note + "\n").utf8))
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a package file without installing it or running any of it: signature, every file's SHA-256, manifest, and whether it runs here.")

        @Argument(help: "The package file (.ahpkg).") var package: String
        @Option(name: .customLong("key"), help: ArgumentHelp("Accept only a signature by this public key (repeatable; a key line or a .pub file).",
                                                              valueName: "key")) var keys: [String] = []
        @Flag(help: "Accept a package that is not signed.") var allowUnsigned = false

        func run() throws {
            let trusted = try keys.map(KeyArgument.publicKey)
            let verified = try CLIError.wrapping { () throws(PackageError) in
                try PackageArchive(contentsOf: URL(fileURLWithPath: package))
                    .verify(trust: .init(keys: trusted.isEmpty ? nil : trusted, allowsUnsigned: allowUnsigned, source: "--key"))
            }
            let descriptor = verified.descriptor
            print("ok: \(descriptor.id) \(descriptor.version) for \(descriptor.platform), ABI \(descriptor.abi), host \(descriptor.hostVersions)")
            print("  sha256: \(verified.sha256) (\(ByteCount.text(verified.size)))")
            print("  " + (verified.signer.map { "signed by \($0)\(trusted.isEmpty ? " (any key accepted: pass --key to require one)" : "")" } ?? "UNSIGNED"))
            for file in descriptor.files { print("  \(file.path)  \(file.size) bytes  sha256 \(file.sha256)") }
            if let problem = HostRequirements.current.problem(platform: descriptor.platform, abi: descriptor.abi, hostVersions: descriptor.hostVersions) {
                print("  cannot run on this host: \(problem)")
                throw ExitCode.failure
            }
            print("  runs on this host")
        }
    }

    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Install a plugin from the directories you added: the newest version that runs here, after you agree to what it asks for.",
            discussion: """
                ID@RANGE limits the version (e.g. example.hello@^1.2, 'acme.search@>=2 <3'). The download is checked \
                against the SHA-256 the signed index pins, then its publisher's signature and every file, all before \
                anything is unpacked; then it is unpacked beside the installed version and switched in at once. \
                Installed plugins run isolated unless your policy trusts them.
                """)

        @OptionGroup var host: HostOptions
        @Argument(help: "ID or ID@RANGE; none with --locked.") var plugins: [String] = []
        @Option(help: "Install from this directory only.") var from: String?
        @Flag(help: "Agree to the permissions without asking.") var yes = false
        @Flag(help: "Install exactly what the lock file records (same versions, same SHA-256).") var locked = false
        @Option(help: ArgumentHelp("The lock file (default: $AGENTHOST_HOME/plugins.lock).", valueName: "path")) var lockFile: String?

        func validate() throws {
            if locked && !plugins.isEmpty { throw ValidationError("--locked installs what the lock file records; name no plugins with it") }
            if !locked && plugins.isEmpty { throw ValidationError("name a plugin to install (ID or ID@RANGE), or pass --locked") }
        }

        func run() throws {
            try host.bootstrapLogging()
            let policy = try host.loadPolicy()
            let installer = PluginInstaller()
            let candidates: [ReleaseCandidate]
            if locked {
                candidates = try lockedCandidates(installer)
            } else {
                let requests = try plugins.map(Self.request)
                // Fetched and checked once, whatever the number of plugins named.
                let indexes = try TrustedIndexes.load(only: from)
                candidates = try requests.map { id, range in
                    try CLIError.wrapping { () throws(DirectoryError) in try ReleaseCandidate.newest(id, in: range, among: indexes) }
                }
            }
            for candidate in candidates {
                if let current = installer.installed(candidate.plugin.id), current.sha256 == candidate.release.sha256 {
                    print("\(current.id) \(current.version) is installed already (from \(current.directory))")
                    continue
                }
                print(InstallConsent.summary(candidate, policy: policy))
                guard InstallConsent.ask("Install \(candidate.plugin.id) \(candidate.release.version)?", yes: yes) else {
                    throw CLIError(DirectoryError.consentRefused(id: candidate.plugin.id).description)
                }
                try PluginDownload.install(candidate, with: installer)
            }
        }

        /// `ID` or `ID@RANGE`, read.
        private static func request(_ argument: String) throws -> (id: String, range: VersionRange) {
            let parts = argument.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard let id = parts.first, PluginManifest.isIdentifier(id) else {
                throw CLIError("'\(argument)' does not name a plugin: write its id (e.g. example.hello), optionally with @RANGE (example.hello@^1.2)")
            }
            if parts.count > 1, parts[1].isEmpty { throw CLIError("'\(argument)' has an empty range after '@': write e.g. \(id)@^1.2, or leave out the '@'") }
            return (id, try CLIError.wrapping { () throws(VersionError) in try VersionRange(parts.count > 1 ? parts[1] : "*") })
        }

        private func lockedCandidates(_ installer: PluginInstaller) throws -> [ReleaseCandidate] {
            let url = lockFile.map { URL(fileURLWithPath: $0) } ?? installer.lockFileURL
            let lock = try CLIError.wrapping { () throws(DirectoryError) in try LockFile.read(from: url) }
            var indexes: [String: (TrustedDirectory, DirectoryIndex)] = [:]
            return try lock.plugins.map { entry in
                let index = try indexes[entry.directory] ?? TrustedIndexes.load(only: entry.directory)[0]
                indexes[entry.directory] = index
                guard let plugin = index.1.plugin(entry.id),
                      let release = plugin.releases.first(where: { $0.version == entry.version && $0.platform.name == entry.platform }) else {
                    throw CLIError(DirectoryError.lockMismatch(id: entry.id, version: entry.version,
                                                               problem: "\(index.0.label) does not offer it for \(entry.platform)").description)
                }
                guard release.sha256 == entry.sha256 else {
                    throw CLIError(DirectoryError.lockMismatch(id: entry.id, version: entry.version,
                                                               problem: "\(index.0.label) serves SHA-256 \(release.sha256), and the lock records \(entry.sha256)").description)
                }
                if let problem = HostRequirements.current.problem(with: release) {
                    throw CLIError(DirectoryError.lockMismatch(id: entry.id, version: entry.version, problem: problem).description)
                }
                return ReleaseCandidate(directory: index.0, plugin: plugin, release: release)
            }
        }
    }

    struct Update: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Update installed plugins to the newest version their directory offers; one that asks for more permissions asks you again.")

        @OptionGroup var host: HostOptions
        @Argument(help: "The plugins to update (default: every plugin installed from a directory).") var ids: [String] = []
        @Flag(help: "Agree to new permissions without asking.") var yes = false

        func run() throws {
            try host.bootstrapLogging()
            let installer = PluginInstaller()
            let installed = installer.installed()
            let chosen = try ids.isEmpty ? installed : ids.map { id in
                guard let plugin = installed.first(where: { $0.id == id }) else {
                    throw CLIError(DirectoryError.notInstalled(id: id, installed: installed.map(\.id)).description)
                }
                return plugin
            }
            guard !chosen.isEmpty else {
                print("Nothing is installed from a directory.")
                return
            }
            let policy = try host.loadPolicy()
            var indexes: [String: [(TrustedDirectory, DirectoryIndex)]] = [:]
            for plugin in chosen {
                let index = try indexes[plugin.directory] ?? TrustedIndexes.load(only: plugin.directory)
                indexes[plugin.directory] = index
                let newest = try CLIError.wrapping { () throws(DirectoryError) in try ReleaseCandidate.newest(plugin.id, among: index) }
                guard VersionOrder.precedes(plugin.version, newest.release.version) else {
                    print("\(plugin.id) \(plugin.version) is up to date")
                    continue
                }
                let added = installer.installedManifest(plugin.id).map { PermissionChanges.added(from: $0, to: newest.release) } ?? ["everything (the installed manifest cannot be read)"]
                print("\(plugin.id): \(plugin.version) to \(newest.release.version)")
                if !added.isEmpty {
                    print(InstallConsent.summary(newest, policy: policy))
                    print("  it asks for more than \(plugin.version) did: \(added.joined(separator: "; "))")
                    guard InstallConsent.ask("Update \(plugin.id) to \(newest.release.version)?", yes: yes) else {
                        throw CLIError("\(plugin.id) was not updated: it asks for more permissions (\(added.joined(separator: "; "))), and they were not agreed to (answer y, or pass --yes)")
                    }
                }
                try PluginDownload.install(newest, with: installer)
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a plugin installed from a directory.")

        @Argument(help: "The plugin's id.") var id: String

        func run() throws {
            try CLIError.wrapping { () throws(DirectoryError) in try PluginInstaller().remove(id) }
            print("removed \(id)")
        }
    }
}

/// Download, verify, switch in: the steps every install and update take.
enum PluginDownload {
    static func install(_ candidate: ReleaseCandidate, with installer: PluginInstaller) throws {
        let installed = try CLIError.wrapping { () throws(DirectoryError) in
            let archive = try installer.download(candidate)
            let package = try installer.verify(archive, as: candidate)
            return try installer.install(package, from: candidate)
        }
        print("installed \(installed.id) \(installed.version) from \(candidate.directory.label), \(installed.signature), "
              + "into \(installer.pluginsFolder.appendingPathComponent(installed.id).path)")
    }
}
