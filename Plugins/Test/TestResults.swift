import AgentSupport
import AgentPluginKit

/// What a test run showed, whichever runner printed it.
struct TestResults: Encodable, Sendable {
    enum Outcome: String, Encodable, Sendable { case passed, failed, skipped }

    struct Case: Encodable, Sendable {
        var name: String
        var outcome: Outcome
    }

    struct Failure: Encodable, Sendable {
        var name: String
        var message: String
        var file: String?
        var line: Int?
        var column: Int?
    }

    /// "swift", "pytest", "go" or "cargo".
    var runner: String
    var passed = 0
    var failed = 0
    var skipped = 0
    var tests: [Case] = []
    var failures: [Failure] = []
    /// The process's exit code, when the agent ran it.
    var exitCode: Int32?
    var durationMilliseconds: Double?

    init(runner: String) { self.runner = runner }

    var total: Int { passed + failed + skipped }

    enum CodingKeys: String, CodingKey {
        case runner, passed, failed, skipped, total, tests, failures
        case exitCode = "exit_code"
        case durationMilliseconds = "duration_ms"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(runner, forKey: .runner)
        try c.encode(passed, forKey: .passed)
        try c.encode(failed, forKey: .failed)
        try c.encode(skipped, forKey: .skipped)
        try c.encode(total, forKey: .total)
        try c.encode(tests, forKey: .tests)
        try c.encode(failures, forKey: .failures)
        try c.encodeIfPresent(exitCode, forKey: .exitCode)
        try c.encodeIfPresent(durationMilliseconds, forKey: .durationMilliseconds)
    }

    /// Records a test's outcome once; a later report of the same test wins.
    mutating func record(_ name: String, _ outcome: Outcome) {
        if let index = tests.firstIndex(where: { $0.name == name }) {
            tests[index].outcome = outcome
        } else {
            tests.append(Case(name: name, outcome: outcome))
        }
    }

    /// Counts from the recorded cases (used where the runner prints no totals).
    mutating func countCases() {
        passed = tests.count { $0.outcome == .passed }
        failed = tests.count { $0.outcome == .failed }
        skipped = tests.count { $0.outcome == .skipped }
    }

    /// Adds `message` to the failure of `name`, creating it if needed.
    mutating func fail(_ name: String, message: String, at location: SourceLocation? = nil) {
        if let index = failures.firstIndex(where: { $0.name == name }) {
            if failures[index].message.isEmpty { failures[index].message = message }
            if failures[index].file == nil, let location {
                failures[index].file = location.file
                failures[index].line = location.line
                failures[index].column = location.column
            }
        } else {
            failures.append(Failure(name: name, message: message, file: location?.file, line: location?.line, column: location?.column))
        }
    }
}
