import AgentHostCore
import AgentHostDirectory
import ArgumentParser
import Foundation

struct PluginsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins",
        abstract: "List, inspect and check plugins; pack them, and install them from directories.",
        subcommands: [List.self, Info.self, Check.self, Pack.self, Verify.self, Install.self, Update.self, Remove.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show every plugin found: id, version, capabilities, tools, where it was found, and whether it loaded.")

        @OptionGroup var host: HostOptions
        @Flag(help: "Print JSON instead of text.") var json = false

        func run() throws {
            try host.bootstrapLogging()
            let registry = PluginRegistry(searchPath: host.searchPath, policy: try host.loadPolicy(), roles: try host.loadRoles())
            defer { AgentHost.shutdown() }
            // An isolated plugin's binary is checked by starting its process (never in this one).
            let prepared = registry.records.map { $0.plugin?.prepare() }
            let refused = zip(registry.records, prepared).filter { PluginReport.refusal($0, prepared: $1) != nil }.count
            if json {
                print(try PluginReport.json(registry.records, prepared: prepared, installer: PluginInstaller()))
            } else if registry.records.isEmpty {
                print("No plugins found. Searched: \(host.searchPath.folders.map(\.url.path).joined(separator: ", "))")
            } else {
                let installer = PluginInstaller()
                zip(registry.records, prepared).forEach { print(PluginReport.text($0, prepared: $1, source: PluginReport.source(of: $0, installer: installer))) }
                print("\(registry.records.count - refused) loaded, \(refused) refused")
            }
        }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show everything known about one plugin.")

        @OptionGroup var host: HostOptions
        @Argument(help: "The plugin's id, e.g. agenthost.knowledge.") var id: String

        func run() throws {
            try host.bootstrapLogging()
            let registry = PluginRegistry(searchPath: host.searchPath, policy: try host.loadPolicy(), roles: try host.loadRoles())
            let matches = registry.records.filter { ($0.manifest?.id ?? $0.error?.pluginID) == id }
            guard !matches.isEmpty else {
                let known = registry.records.compactMap { $0.manifest?.id }
                throw CLIError("no plugin with id '\(id)'; found: \(known.isEmpty ? "none" : known.joined(separator: ", "))")
            }
            // Inspecting a plugin starts an isolated one's process, to check its
            // binary and to say which protections hold on this machine.
            var failed = true
            for record in matches {
                let prepared = record.plugin?.prepare()
                print(PluginReport.details(record, prepared: prepared))
                if record.plugin != nil, (try? prepared?.get()) != nil || prepared == nil { failed = false }
            }
            AgentHost.shutdown()
            if failed { throw ExitCode.failure }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a plugin folder: its manifest, its binary, and that they agree. Exits 1 when anything is wrong.")

        @OptionGroup var host: HostOptions
        @Argument(help: "A plugin folder (holding plugin.json), or a folder of plugin folders.") var path: String

        func run() throws {
            try host.bootstrapLogging()
            defer { AgentHost.shutdown() }
            let (_, failed) = try PluginCheck.run(path: path, host: host)
            if failed { throw ExitCode.failure }
        }
    }
}
