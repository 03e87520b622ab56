import AgentHostCore
import ArgumentParser
import Foundation

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run one task: route a capability to its agent and print the result JSON on stdout.",
        discussion: "Example: agenthost run knowledge.search --input '{\"query\": \"bm25\", \"root\": \"docs\"}'")

    @OptionGroup var host: HostOptions

    @Argument(help: "The capability to run, e.g. knowledge.search.") var capability: String

    @Option(help: ArgumentHelp("The task's input, a JSON object.", valueName: "json")) var input: String?

    @Option(help: ArgumentHelp("Read the input JSON from a file ('-' for stdin).", valueName: "file")) var inputFile: String?

    @Option(help: ArgumentHelp("The agent's state for this call.", valueName: "state"))
    var state: AgentState = .executing

    @Option(help: ArgumentHelp("Cancel the task after this many seconds.", valueName: "seconds")) var timeout: Double?

    @Flag(help: "Print the agent's progress reports on stderr.") var progress = false

    func validate() throws {
        if input != nil, inputFile != nil { throw ValidationError("give --input or --input-file, not both") }
        if let timeout, !(timeout > 0) { throw ValidationError("--timeout must be a positive number of seconds") }
    }

    func run() throws {
        let payload = try readInput()
        let agentHost = try host.makeHost()
        defer { AgentHost.shutdown() }
        var options = CallOptions(taskID: UUID().uuidString.lowercased(), state: state)
        options.timeout = timeout.map { .milliseconds(Int64($0 * 1000)) }
        if progress {
            options.progress = { report in
                let percent = report.fraction.map { String(format: "%3.0f%%", $0 * 100) } ?? "  ? "
                FileHandle.standardError.write(Data("[\(percent)] \(report.message)\n".utf8))
            }
        }
        do {
            let response = try agentHost.call(capability, payload: payload, options: options)
            print(response.text)
            for handoff in response.handoffs {
                FileHandle.standardError.write(Data("handoff requested: \(handoff.source) -> \(handoff.target): \(handoff.reason)\n".utf8))
            }
        } catch {
            throw CLIError(error.description)
        }
    }

    /// The input bytes, checked to be one JSON object so a typo fails here
    /// with the position, not somewhere inside a plugin.
    private func readInput() throws -> [UInt8] {
        let bytes: [UInt8]
        let source: String
        if let inputFile {
            source = inputFile == "-" ? "stdin" : "'\(inputFile)'"
            if inputFile == "-" {
                bytes = Array(FileHandle.standardInput.readDataToEndOfFile())
            } else {
                guard let data = FileManager.default.contents(atPath: inputFile) else {
                    throw CLIError("--input-file \(source) cannot be read")
                }
                bytes = Array(data)
            }
        } else {
            source = "--input"
            bytes = Array((input ?? "{}").utf8)
        }
        do {
            let value = try JSONSerialization.jsonObject(with: Data(bytes))
            guard value is [String: Any] else { throw CLIError("\(source) must be a JSON object ({...}), not \(type(of: value))") }
        } catch let error as CLIError {
            throw error
        } catch {
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
            throw CLIError("\(source) is not valid JSON: \(detail)")
        }
        return bytes
    }
}
