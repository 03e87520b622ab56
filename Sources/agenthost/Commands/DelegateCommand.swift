import AgentHostCore
import ArgumentParser
import Foundation

struct DelegateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delegate",
        abstract: "Run the DELEGATE actions of a message, each as a task of its own.",
        discussion: """
            The message holds one or more blocks:
              ACTION: DELEGATE
              AGENT_TYPE: knowledge
              TASK: find what the notes say about BM25
              ---END---
            Each TASK goes, in words, to the capability of that agent type whose keywords it matches (else the \
            type's first capability that takes words), in the field that capability takes words in. A malformed \
            block, an unknown type or a TASK no capability of its type can take is refused with its line, and \
            nothing runs.
            Example: agenthost delegate --file examples/delegate/research.message
            """)

    @OptionGroup var host: HostOptions

    @Option(help: ArgumentHelp("Read the message from a file ('-' for stdin).", valueName: "file")) var file: String?

    @Argument(help: "The message, when --file is not given.") var message: String?

    func validate() throws {
        if (file == nil) == (message == nil) { throw ValidationError("give the message as an argument or with --file, not both or neither") }
    }

    func run() throws {
        let text: String
        if let file {
            let data = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: file)
            guard let data else { throw CLIError("--file '\(file)' cannot be read") }
            do {
                text = try TextInput.decode(data, kind: "the message")
            } catch {
                throw CLIError("--file '\(file)'\(error.line.map { ", line \($0)," } ?? "") \(error.problem)")
            }
        } else {
            text = message ?? ""
        }
        let runtime = try host.makeRuntime()
        defer { AgentHost.shutdown() }
        let outcomes: [TaskOutcome]
        do {
            outcomes = try runtime.runDelegations(in: text)
        } catch {
            throw CLIError(error.description)
        }
        // Answers on stdout; a task that failed says why on stderr, as every command does.
        for outcome in outcomes {
            TaskReport.printSummary(of: outcome)
            if let result = outcome.resultText {
                print(result)
            } else {
                FileHandle.standardError.write(Data("task \(outcome.id) \(outcome.status): \(outcome.error?.description ?? "no detail")\n".utf8))
            }
        }
        let failed = outcomes.filter { $0.status != .completed }
        if !failed.isEmpty { throw CLIError("\(failed.count) of \(outcomes.count) delegated task(s) did not complete") }
    }
}
