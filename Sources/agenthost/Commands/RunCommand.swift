import AgentHostCore
import ArgumentParser
import Foundation

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run one task: route it to an agent, store it, and print the result on stdout.",
        discussion: """
            The task is a capability (knowledge.search) or free text ("find the notes about BM25"), which is routed \
            by the capabilities' declared keywords. The task, its route and how it ended are written to the task \
            database; `agenthost tasks show ID` shows them later.
            Example: agenthost run knowledge.search --input '{"query": "bm25", "root": "docs"}'
            """)

    @OptionGroup var host: HostOptions

    @Argument(help: "A capability (knowledge.search) or free text to route.") var task: String

    @Option(help: ArgumentHelp("The task's input, a JSON object.", valueName: "json")) var input: String?

    @Option(help: ArgumentHelp("Read the input JSON from a file ('-' for stdin).", valueName: "file")) var inputFile: String?

    @Option(help: ArgumentHelp("The agent's state: PLANNING, EXECUTING, VERIFYING or LEARNING.", valueName: "state"))
    var agentState: AgentState = .executing

    @Option(parsing: .unconditional, help: ArgumentHelp("Cancel the task after this many seconds (at most 30 days).", valueName: "seconds"))
    var timeout: Double?

    @Flag(help: "Print the agent's progress reports on stderr.") var progress = false

    func validate() throws {
        if input != nil, inputFile != nil { throw ValidationError("give --input or --input-file, not both") }
        try Limits.checkTimeout(timeout, "--timeout")
    }

    func run() throws {
        let payload = try readInput()
        let runtime = try host.makeRuntime()
        defer { AgentHost.shutdown() }
        // A word with no spaces is a capability name; anything else is free text.
        let target: TaskRequest.Target = task.contains(where: \.isWhitespace) ? .text(task) : .capability(task)
        var request = TaskRequest(target, payload: payload, state: agentState)
        request.timeout = timeout.map(Limits.duration(seconds:))
        if progress {
            request.progress = { report in
                let percent = report.fraction.map { String(format: "%3.0f%%", $0 * 100) } ?? "  ? "
                FileHandle.standardError.write(Data("[\(percent)] \(report.message)\n".utf8))
            }
        }
        // A payload that does not fit the capability's declared input fails here, every problem at once.
        if let (capability, problems) = try? runtime.inputProblems(of: request), !problems.isEmpty {
            throw CLIError("the input does not fit '\(capability)':\n" + problems.map { "  \($0)" }.joined(separator: "\n")
                + "\n`agenthost plugins info \(runtime.host.router.agents(for: capability).first ?? "AGENT")` shows its declared input")
        }
        let outcome: TaskOutcome
        do {
            outcome = try runtime.run(request)
        } catch {
            throw CLIError(error.description)
        }
        TaskReport.printSummary(of: outcome)
        guard outcome.status == .completed else {
            throw CLIError("task \(outcome.id) \(outcome.status): \(outcome.error?.description ?? "no detail")")
        }
        print(outcome.resultText ?? "")
    }

    /// The input bytes, checked to be UTF-8 and one JSON object, so a typo
    /// fails here with the position, not somewhere inside a plugin.
    private func readInput() throws -> [UInt8] {
        let bytes: [UInt8]
        let source: String
        if let inputFile {
            source = inputFile == "-" ? "stdin" : "--input-file '\(inputFile)'"
            if inputFile == "-" {
                bytes = Array(FileHandle.standardInput.readDataToEndOfFile())
            } else {
                guard let data = FileManager.default.contents(atPath: inputFile) else {
                    throw CLIError("\(source) cannot be read; check the path")
                }
                bytes = Array(data)
            }
        } else {
            source = "--input"
            bytes = Array((input ?? "{}").utf8)
        }
        try JSONInput.checkObject(bytes, source: source)
        return bytes
    }
}
