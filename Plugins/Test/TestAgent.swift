import AgentPluginKit
import AgentSupport
import Foundation

/// The Test agent: `test.run` runs a test command through the host and reads
/// what the runner printed; `test.parse` reads output captured elsewhere.
/// Both answer passed, failed and skipped counts with each failure's name,
/// message and location.
struct TestAgent: AgentPlugin {
    static let descriptor = AgentDescriptor(id: "agenthost.test", name: "Test", version: "0.1.0",
                                            capabilities: ["test.run", "test.parse"], threadSafe: true)

    struct RunInput: Decodable {
        var command: CommandWords
        var cwd: String?
        var runner: String?
        var timeoutMilliseconds: Int?

        enum CodingKeys: String, CodingKey {
            case command, cwd, runner
            case timeoutMilliseconds = "timeout_ms"
        }
    }

    struct ParseInput: Decodable {
        var output: String
        var runner: String?
    }

    init(host: PluginHost) {}

    func handle(_ request: AgentRequest) throws -> AgentReply {
        switch request.capability {
        case "test.run": return try .encoding(run(request))
        case "test.parse":
            let input = try request.decode(ParseInput.self)
            return try .encoding(parse(input.output, runner: input.runner, capability: "test.parse"))
        default: throw AgentError.unsupported("the test agent has no capability '\(request.capability)'")
        }
    }

    private func run(_ request: AgentRequest) throws -> TestResults {
        let input = try request.decode(RunInput.self)
        let command = input.command.argv
        guard !command.isEmpty else { throw AgentError.invalidArgument("test.run needs a \"command\", e.g. [\"swift\", \"test\"]") }
        try checkRunner(input.runner)
        request.reportProgress(nil, "running \(command.joined(separator: " "))")
        let result = try request.run(.init(command, cwd: input.cwd, timeoutMilliseconds: input.timeoutMilliseconds))
        if result.timedOut {
            throw AgentError.deadline("test.run: '\(command.joined(separator: " "))' was stopped after its time limit; "
                             + "raise \"timeout_ms\" (up to the manifest's) or run fewer tests")
        }
        let output = result.stdout + "\n" + result.stderr
        var results = try parse(output, runner: input.runner, capability: "test.run", exitCode: result.exitCode)
        results.exitCode = result.exitCode
        results.durationMilliseconds = result.durationMilliseconds
        return results
    }

    private func checkRunner(_ runner: String?) throws {
        if let runner, runner != "auto", !TestOutput.runners.contains(runner) {
            throw AgentError.invalidArgument("unknown runner '\(runner)'; use auto or one of \(TestOutput.runners.joined(separator: ", "))")
        }
    }

    private func parse(_ output: String, runner: String?, capability: String, exitCode: Int32? = nil) throws -> TestResults {
        try checkRunner(runner)
        guard let parser = TestOutput.parser(for: output, runner: runner) else {
            let excerpt = output.split(separator: "\n").suffix(8).joined(separator: "\n")
            let ran = exitCode.map { " (the command exited with \($0))" } ?? ""
            throw AgentError.invalidArgument("\(capability): the output is not from a known runner\(ran) "
                + "(\(TestOutput.runners.joined(separator: ", "))); pass \"runner\" if it is one of them. It ended with:\n\(excerpt)")
        }
        let results = parser.parse(output)
        if results.total == 0, let exitCode, exitCode != 0 {
            let excerpt = output.split(separator: "\n").suffix(12).joined(separator: "\n")
            throw AgentError.failed("\(capability): no test ran and the command exited with \(exitCode); the build probably failed:\n\(excerpt)")
        }
        return results
    }
}

@_cdecl("agenthost_swift_plugin")
public func agenthostSwiftPlugin() -> UnsafeRawPointer { AgentPluginExport.functions(for: TestAgent.self) }
