import AgentSupport
/// One test runner's printed output, read into ``TestResults``.
protocol TestOutputParser: Sendable {
    /// The name a caller uses for the runner: "swift", "pytest", "go", "cargo".
    static var runner: String { get }
    /// Whether `output` carries this runner's marks.
    static func recognizes(_ output: String) -> Bool
    static func parse(_ output: String) -> TestResults
}

enum TestOutput {
    static let parsers: [any TestOutputParser.Type] = [SwiftTestOutput.self, PytestOutput.self, CargoTestOutput.self, GoTestOutput.self]

    static var runners: [String] { parsers.map { $0.runner } }

    /// The parser named by `runner`, or the first that recognizes `output`.
    static func parser(for output: String, runner: String?) -> (any TestOutputParser.Type)? {
        if let runner, runner != "auto" { return parsers.first { $0.runner == runner } }
        return parsers.first { $0.recognizes(output) }
    }
}

