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
                      KeysCommand.self, DirectoryCommand.self, ApprovalsCommand.self, ServeCommand.self, DemoCommand.self])

    /// Runs the command, then ends this host's ownership of its work; a
    /// command cut short by SIGINT or SIGTERM exits 130 or 143.
    static func main() {
        refuseArgumentsThatAreNotUTF8()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            TraceExporter.finish()
            HostSession.end()
            if let code = HostSession.signalExitCode {
                if !(error is ExitCode) { FileHandle.standardError.write(Data("Error: \(message(for: error))\n".utf8)) }
                Foundation.exit(code)
            }
            exit(withError: error)
        }
        TraceExporter.finish()
        HostSession.end()
        if let code = HostSession.signalExitCode { Foundation.exit(code) }
    }

    /// Swift would read a byte that is not UTF-8 as U+FFFD and run with it;
    /// the argument is refused instead, with where it went wrong.
    private static func refuseArgumentsThatAreNotUTF8() {
        for index in stride(from: 1, to: Int(CommandLine.argc), by: 1) {
            guard let argument = CommandLine.unsafeArgv[index] else { continue }
            let bytes = Array(UnsafeRawBufferPointer(start: argument, count: strlen(argument)))
            guard let position = TextInput.firstInvalidByte(in: bytes) else { continue }
            let previous = index > 1 ? CommandLine.unsafeArgv[index - 1].map { String(cString: $0) } : nil
            let what = previous.map { $0.hasPrefix("-") ? "the value of \($0) (argument \(index))" : "argument \(index)" } ?? "argument \(index)"
            let message = String(format: "Error: %@ is not UTF-8: byte %d (0x%02X) is not part of a UTF-8 character; give it as UTF-8 text\n",
                                 what, position, bytes[position])
            FileHandle.standardError.write(Data(message.utf8))
            Foundation.exit(64)
        }
    }
}
