import AgentHostCore
import ArgumentParser
import Logging

/// Where to find plugins, and how much to log; shared by every command.
struct HostOptions: ParsableArguments {
    @Option(name: .customLong("plugin-dir"), help: ArgumentHelp("A folder to load plugins from, before all others (repeatable).",
                                                                 valueName: "folder"))
    var pluginDirectories: [String] = []

    @Option(help: ArgumentHelp("Log level on stderr: trace, debug, info, warning, error.", valueName: "level"))
    var logLevel: String = "warning"

    func bootstrapLogging() throws {
        guard let level = Logger.Level(rawValue: logLevel.lowercased()) else {
            throw ValidationError("--log-level '\(logLevel)' is not one of trace, debug, info, notice, warning, error, critical")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }

    var searchPath: PluginSearchPath { .standard(pluginDirectories: pluginDirectories) }

    /// Loads the plugins, logging each one that was refused.
    func makeHost() throws -> AgentHost {
        try bootstrapLogging()
        let host = AgentHost(searchPath: searchPath)
        let logger = Logger(label: "agenthost")
        for failure in host.registry.failures {
            logger.warning("refused \(failure)")
        }
        return host
    }
}

/// An error the CLI reports as `Error: <message>` on stderr, exiting 1.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
