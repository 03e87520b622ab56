import AgentSupport
import Foundation

/// pytest, in its default, `-v` and `-rA` forms: the session header, per-test
/// lines, the FAILURES section with each failure's location, the short summary
/// and the final counts.
///
///     tests/test_calc.py::test_fails FAILED                  [ 66%]
///     tests/test_calc.py:5: AssertionError
///     FAILED tests/test_calc.py::test_fails - AssertionError: one and two
///     ==== 1 failed, 1 passed, 1 skipped in 0.52s ====
enum PytestOutput: TestOutputParser {
    static let runner = "pytest"

    static func recognizes(_ output: String) -> Bool {
        output.contains("test session starts") || (output.contains("short test summary info"))
    }

    static func parse(_ output: String) -> TestResults {
        var results = TestResults(runner: runner)
        var section = ""
        var failing: String?
        var totals: [String: Int] = [:]
        for raw in output.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            if line.hasPrefix("=") || line.hasPrefix("_") {
                let title = line.trimmingCharacters(in: CharacterSet(charactersIn: "=_ "))
                if line.hasPrefix("=") {
                    section = title
                    if title.contains(" in "), title.contains("passed") || title.contains("failed") || title.contains("skipped")
                        || title.contains("error") || title.contains("no tests ran") {
                        totals = counts(title)
                    }
                } else if section == "FAILURES" || section == "ERRORS" {
                    failing = title.replacingOccurrences(of: "ERROR at setup of ", with: "")
                }
                continue
            }
            if section == "FAILURES" || section == "ERRORS", let test = failing {
                if line.hasPrefix("E   ") {
                    let message = line.dropFirst(4).trimmingCharacters(in: .whitespaces)
                    if results.failures.first(where: { $0.name.hasSuffix(test) })?.message.isEmpty ?? true {
                        results.fail(full(test, in: results), message: message)
                    }
                } else if let (location, _) = SourceLocation.leading(Substring(line)), !line.hasPrefix(" ") {
                    results.fail(full(test, in: results), message: "", at: location)
                }
                continue
            }
            for (word, outcome) in [("PASSED", TestResults.Outcome.passed), ("FAILED", .failed), ("ERROR", .failed), ("SKIPPED", .skipped),
                                    ("XFAIL", .skipped), ("XPASS", .passed)] {
                if line.hasPrefix(word + " ") {
                    // Short summary: "FAILED path::test - message", "SKIPPED [1] path:line: reason".
                    let rest = line.dropFirst(word.count + 1)
                    if outcome == .skipped, rest.hasPrefix("[") {
                        let reason = rest.drop { $0 != "]" }.dropFirst().trimmingCharacters(in: .whitespaces)
                        if let (location, why) = SourceLocation.leading(Substring(reason)) {
                            results.record("\(location.file):\(location.line) (\(why))", .skipped)
                        }
                    } else {
                        let parts = rest.components(separatedBy: " - ")
                        let name = parts[0].trimmingCharacters(in: .whitespaces)
                        results.record(name, outcome)
                        if outcome == .failed {
                            results.fail(name, message: parts.dropFirst().joined(separator: " - "))
                        }
                    }
                } else if line.contains("::"), line.contains(" \(word)") {
                    // Verbose: "path::test PASSED [ 33%]".
                    let name = String(line.prefix { $0 != " " })
                    results.record(name, outcome)
                    if outcome == .failed { results.fail(name, message: "") }
                }
            }
        }
        // The summary line is the runner's own count; per-test lines may be missing (quiet runs).
        // A failure section (short title) read before the summary line (node id) names the same test.
        for short in results.failures.filter({ !$0.name.contains("::") }) {
            guard let full = results.failures.firstIndex(where: { $0.name.hasSuffix("::" + short.name) }) else { continue }
            if results.failures[full].file == nil {
                results.failures[full].file = short.file
                results.failures[full].line = short.line
            }
            if results.failures[full].message.isEmpty { results.failures[full].message = short.message }
            results.failures.removeAll { $0.name == short.name }
        }
        results.countCases()
        if !totals.isEmpty {
            results.passed = totals["passed", default: 0] + totals["xpassed", default: 0]
            results.failed = totals["failed", default: 0] + totals["error", default: 0] + totals["errors", default: 0]
            results.skipped = totals["skipped", default: 0] + totals["xfailed", default: 0]
        }
        return results
    }

    /// "1 failed, 1 passed, 1 skipped in 0.52s" to counts by word.
    private static func counts(_ title: String) -> [String: Int] {
        var result: [String: Int] = [:]
        let head = title.components(separatedBy: " in ").first ?? title
        for part in head.split(separator: ",") {
            let words = part.split(separator: " ")
            if words.count >= 2, let count = Int(words[0]) { result[String(words[1]), default: 0] += count }
        }
        return result
    }

    /// The node id a failure section's short title ("test_fails") belongs to.
    private static func full(_ title: String, in results: TestResults) -> String {
        let name = title.replacingOccurrences(of: ".", with: "::")
        return results.tests.first { $0.name.hasSuffix("::" + name) || $0.name.hasSuffix("::" + title) }?.name ?? title
    }
}
