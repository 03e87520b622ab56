import AgentHostCore
import ArgumentParser
import Foundation

struct WorkflowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workflow",
        abstract: "Run a workflow file: several agents working as a team.",
        discussion: "Modes: sequential, parallel, hierarchical, consensus, plan. Examples are in examples/workflows.",
        subcommands: [Run.self, Validate.self])

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Validate a workflow file, run it with a checkpoint per step, and summarise it.")

        @OptionGroup var host: HostOptions
        @Argument(help: "The workflow file (YAML).") var file: String
        @Option(name: .customLong("input"), help: ArgumentHelp("A value for one of the workflow's inputs (repeatable).", valueName: "name=value"))
        var inputs: [String] = []
        @Flag(help: "Print no progress lines, only the summary.") var quiet = false

        func run() throws {
            defer { AgentHost.shutdown() }  // every plugin sees its deinit
            let orchestrator = Orchestrator(runtime: try host.makeRuntime())
            let workflow = try WorkflowCommand.load(file)
            var options = RunOptions(inputs: try WorkflowCommand.parse(inputs))
            let display = quiet ? nil : RunProgressDisplay(steps: workflow.steps.count)
            display?.attach(to: &options)
            let report = try WorkflowCommand.orchestrating {
                defer { display?.stop() }
                return try orchestrator.run(workflow, options: options, source: file)
            }
            RunPrinter.summary(report, options: host)
            if report.status != .completed { throw ExitCode.failure }
        }
    }

    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check a workflow file against the loaded plugins and the policy, and show its plan.")

        @OptionGroup var host: HostOptions
        @Argument(help: "The workflow file (YAML).") var file: String
        @Option(name: .customLong("input"), help: ArgumentHelp("A value for one of the workflow's inputs (repeatable).", valueName: "name=value"))
        var inputs: [String] = []

        func run() throws {
            defer { AgentHost.shutdown() }  // every plugin sees its deinit
            let orchestrator = Orchestrator(runtime: try host.makeRuntime())
            let workflow = try WorkflowCommand.load(file)
            let plan = try WorkflowCommand.orchestrating { try orchestrator.validate(workflow, inputs: try WorkflowCommand.parse(inputs), source: file) }
            RunPrinter.plan(plan)
        }
    }

    static func load(_ file: String) throws -> Workflow {
        do {
            return try WorkflowFile.load(path: file)
        } catch {
            throw CLIError(error.description)
        }
    }

    static func parse(_ inputs: [String]) throws -> [String: String] {
        var values: [String: String] = [:]
        for input in inputs {
            guard let equals = input.firstIndex(of: "="), equals != input.startIndex else {
                throw ValidationError("--input '\(input)' is not name=value")
            }
            values[String(input[..<equals])] = String(input[input.index(after: equals)...])
        }
        return values
    }

    /// Runs an orchestrator call, turning its error into the CLI's.
    static func orchestrating<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as OrchestrationError {
            throw CLIError(error.description)
        }
    }
}
