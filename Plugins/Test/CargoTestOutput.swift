import AgentSupport
/// `cargo test`: one line per test, then each failure's captured output with
/// the panic's location.
///
///     test tests::fails ... FAILED
///     ---- tests::fails stdout ----
///     thread 'tests::fails' (8175) panicked at src/lib.rs:6:26:
///     assertion `left == right` failed: one and two
enum CargoTestOutput: TestOutputParser {
    static let runner = "cargo"

    static func recognizes(_ output: String) -> Bool {
        output.contains("test result: ") && output.contains("running ")
    }

    static func parse(_ output: String) -> TestResults {
        var results = TestResults(runner: runner)
        var failing: String?
        var awaitingMessage = false
        for raw in output.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            if line.hasPrefix("test "), let separator = line.range(of: " ... ") {
                let name = String(line[line.index(line.startIndex, offsetBy: 5)..<separator.lowerBound])
                switch line[separator.upperBound...].trimmingCharacters(in: .whitespaces) {
                case "ok": results.record(name, .passed)
                case "FAILED": results.record(name, .failed); results.fail(name, message: "")
                case let word where word.hasPrefix("ignored"): results.record(name, .skipped)
                default: break
                }
            } else if line.hasPrefix("---- "), line.hasSuffix(" stdout ----") {
                failing = String(line.dropFirst(5).dropLast(" stdout ----".count))
            } else if let test = failing, line.hasPrefix("thread '"), let at = line.range(of: " panicked at ") {
                let rest = line[at.upperBound...]
                if let (location, message) = SourceLocation.leading(rest) {
                    // Rust 1.73+: "panicked at src/lib.rs:6:26:" and the message on the next line.
                    results.fail(test, message: String(message), at: location)
                    awaitingMessage = message.isEmpty
                } else if rest.hasPrefix("'"), let close = rest.range(of: "', ", options: .backwards),
                          let location = SourceLocation.anywhere(in: rest[close.upperBound...]) {
                    // Older: "panicked at 'message', src/lib.rs:6:26".
                    results.fail(test, message: String(rest[rest.index(after: rest.startIndex)..<close.lowerBound]), at: location)
                }
            } else if awaitingMessage, let test = failing, !line.isEmpty {
                if let index = results.failures.firstIndex(where: { $0.name == test }) { results.failures[index].message = line }
                awaitingMessage = false
            }
        }
        results.countCases()
        return results
    }
}
