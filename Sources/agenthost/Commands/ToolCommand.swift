import AgentHostCore
import ArgumentParser

struct ToolCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tool",
        abstract: "Call a plugin's typed tool through libffi and print its result.",
        discussion: "Example: agenthost tool agenthost.planner schedule_rounds 7 3")

    @OptionGroup var host: HostOptions

    @Argument(help: "The plugin's id.") var plugin: String
    @Argument(help: "The tool's name.") var name: String
    @Argument(help: "The arguments, parsed by the tool's signature.") var arguments: [String] = []

    @Option(help: ArgumentHelp("The agent's state; a tool masked in it is refused, and the refusal recorded.", valueName: "state"))
    var agentState: AgentState = .executing

    func run() throws {
        let runtime = try host.makeRuntime()
        defer { AgentHost.shutdown() }
        do {
            let tool = try runtime.host.tool(name, of: plugin)
            let types = tool.signature.parameters
            guard arguments.count == types.count else {
                throw CLIError("\(name) \(tool.signature) takes \(types.count) argument(s), got \(arguments.count)")
            }
            let values = try zip(arguments, types).enumerated().map { index, pair in
                guard let value = ToolValue(parsing: pair.0, as: pair.1) else {
                    throw CLIError("argument \(index + 1) '\(pair.0)' is not a valid \(pair.1.rawValue)")
                }
                return value
            }
            print(try runtime.callTool(name, of: plugin, arguments: values, state: agentState))
        } catch let error as ToolCallError {
            throw CLIError(error.description)
        }
    }
}
