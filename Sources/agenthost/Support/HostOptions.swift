import AgentHostCore
import AgentHostModels
import ArgumentParser
import Foundation
import Logging

/// Where to find plugins, and how much to log; shared by every command.
struct HostOptions: ParsableArguments {
    @Option(name: .customLong("plugin-dir"), help: ArgumentHelp("A folder to load plugins from, before all others (repeatable).",
                                                                 valueName: "folder"))
    var pluginDirectories: [String] = []

    @Option(help: ArgumentHelp("Log level on stderr: trace, debug, info, warning, error.", valueName: "level"))
    var logLevel: String = "warning"

    @Option(help: ArgumentHelp("Log lines as text, or as JSON lines with the task, run, agent and trace ids of a plugin's call.",
                               valueName: "text|json"))
    var logFormat: LogFormat = .text

    @Option(name: .customLong("state"), help: ArgumentHelp(
        "The task database, a SQLite file (default: $HOME/.agenthost/state.sqlite, or $AGENTHOST_HOME/state.sqlite).", valueName: "path"))
    var statePath: String?

    @Option(help: ArgumentHelp(
        "A policy file (YAML) with guardrails per agent and globally (default: policy.yaml beside the default database, when it exists).",
        valueName: "path"))
    var policy: String?

    @Option(help: ArgumentHelp(
        "The folder plugins may work in ($WORKSPACE in their manifests; default: the policy's workspace, or this folder).",
        valueName: "folder"))
    var workspace: String?

    @Option(help: ArgumentHelp(
        "Export spans over OTLP/HTTP to this collector, e.g. http://127.0.0.1:4318 (default: the policy's telemetry.otlp_endpoint, "
            + "or OTEL_EXPORTER_OTLP_ENDPOINT).", valueName: "url"))
    var otlpEndpoint: String?

    @Option(name: .customLong("agents"), help: ArgumentHelp(
        "A folder of role files (YAML agents run by the Assistant; repeatable; default: $AGENTHOST_HOME/agents when it exists).",
        valueName: "folder"))
    var roleFolders: [String] = []

    /// The role agents of `--agents` (or the home's agents folder); a broken file stops the command with its line.
    func loadRoles() throws -> [RoleDefinition] {
        var folders = roleFolders
        let standard = AgentHostHome.folder().appendingPathComponent("agents").path
        if folders.isEmpty, FileManager.default.fileExists(atPath: standard) { folders = [standard] }
        var roles: [RoleDefinition] = []
        for folder in folders {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
                throw CLIError("--agents '\(folder)' is not a folder of role files (*.yaml)")
            }
            for loaded in RoleFile.loadAll(in: folder) {
                switch loaded {
                case .success(let role): roles.append(role)
                case .failure(let error): throw CLIError("\(error.description); fix the file, or move it out of \(folder)")
                }
            }
        }
        return roles
    }

    func bootstrapLogging() throws {
        guard let level = Logger.Level(rawValue: logLevel.lowercased()) else {
            throw ValidationError("--log-level '\(logLevel)' is not one of trace, debug, info, notice, warning, error, critical")
        }
        switch logFormat {
        case .text:
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        case .json:
            LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
        }
    }

    var searchPath: PluginSearchPath { .standard(pluginDirectories: pluginDirectories) }

    /// The policy file named, or the default one when it exists, or the
    /// built-in defaults. A file that is wrong stops the command here.
    func loadPolicy(defaultWorkspace: String? = nil) throws -> Policy {
        let path = policy ?? PolicyFile.defaultPath()
        var loaded = Policy.standard
        if policy != nil || FileManager.default.fileExists(atPath: path) {
            do {
                loaded = try PolicyFile.load(path: path)
            } catch {
                throw CLIError(error.description)
            }
        }
        // Each plugin's private folder ($PLUGIN_DATA) lives beside the task database.
        loaded.pluginData = URL(fileURLWithPath: storePath).deletingLastPathComponent().appendingPathComponent("plugin-data").path
        if let folder = workspace ?? (loaded.workspaceIsNamed ? nil : defaultWorkspace) {
            loaded.workspace = URL(fileURLWithPath: folder).standardizedFileURL.path
        }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: loaded.workspace, isDirectory: &isFolder), isFolder.boolValue else {
            throw CLIError("the workspace '\(loaded.workspace)' is not a folder; create it, or pass --workspace with an existing one")
        }
        return loaded
    }

    var storePath: String { statePath ?? TaskStore.defaultPath() }

    /// The options a follow-up command needs to see the same plugins and store, as shell words; nil when none was given.
    var repeated: String? {
        let words = pluginDirectories.flatMap { ["--plugin-dir", ShellWord.quote($0)] } + (statePath.map { ["--state", ShellWord.quote($0)] } ?? [])
        return words.isEmpty ? nil : words.joined(separator: " ")
    }

    /// The store, opened to run work in: this process becomes an owner.
    func openStore() throws -> TaskStore {
        do {
            return try TaskStore(path: storePath)
        } catch {
            throw CLIError(error.description)
        }
    }

    /// The store, opened only to read (it may be a read-only file); nil when there is none yet.
    func openStoreForReading() throws -> TaskStore? {
        do {
            return try TaskStore(path: storePath, access: .readOnly)
        } catch where error.kind == .missing {
            return nil
        } catch {
            throw CLIError(error.description)
        }
    }

    /// The host and its task store, ready to run tasks; SIGINT and SIGTERM
    /// cancel its work from now on (see `HostSession`).
    /// `defaultWorkspace` is used when neither `--workspace` nor the policy names one.
    func makeRuntime(defaultWorkspace: String? = nil) throws -> AgentRuntime {
        let host = try makeHost(defaultWorkspace: defaultWorkspace)
        let store = try openStore()
        HostSession.begin(host: host, store: store)
        return AgentRuntime(host: host, store: store)
    }

    /// Loads the plugins, logging each one that was refused.
    func makeHost(defaultWorkspace: String? = nil) throws -> AgentHost {
        try bootstrapLogging()
        let policy = try loadPolicy(defaultWorkspace: defaultWorkspace)
        try TraceExporter.start(flag: otlpEndpoint, policy: policy.telemetry, environment: ProcessInfo.processInfo.environment)
        let host = AgentHost(searchPath: searchPath, policy: policy, roles: try loadRoles(),
                             modelProvider: policy.models.isEmpty ? nil : HTTPModelProvider.shared)
        let logger = Logger(label: "agenthost")
        for failure in host.registry.failures {
            logger.warning("refused \(failure)")
        }
        return host
    }
}

/// How log lines are written on stderr.
enum LogFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

/// An error the CLI reports as `Error: <message>` on stderr, exiting 1.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
