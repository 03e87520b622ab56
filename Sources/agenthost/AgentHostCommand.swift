import AgentHostCore
import ArgumentParser
import Foundation

@main
struct AgentHostCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agenthost",
        abstract: "Load AI agents shipped as native plugins, and run tasks on them.",
        discussion: """
            Plugins are found, in this order, in folders named by --plugin-dir, in the folders of \
            AGENTHOST_PLUGIN_PATH (colon-separated), in ~/.agenthost/plugins, and in the folder agenthost \
            was built into. A folder is a plugin when it holds plugin.json; otherwise each subfolder that \
            holds one is.
            """,
        version: AgentHost.version,
        subcommands: [PluginsCommand.self, RunCommand.self, RouteCommand.self, DelegateCommand.self, TasksCommand.self,
                      StatsCommand.self, ToolCommand.self, WorkflowCommand.self, PlanCommand.self, ResumeCommand.self, RunsCommand.self, ChatCommand.self, StoreCommand.self,
                      DemoCommand.self])

    /// Runs the command, then ends this host's ownership of its work; a
    /// command cut short by SIGINT or SIGTERM exits 130 or 143.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            HostSession.end()
            if let code = HostSession.signalExitCode {
                if !(error is ExitCode) { FileHandle.standardError.write(Data("Error: \(fullMessage(for: error))\n".utf8)) }
                Foundation.exit(code)
            }
            exit(withError: error)
        }
        HostSession.end()
        if let code = HostSession.signalExitCode { Foundation.exit(code) }
    }
}
