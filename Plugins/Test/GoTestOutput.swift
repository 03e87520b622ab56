import AgentSupport
/// `go test` (with or without `-v`): `--- PASS/FAIL/SKIP: Name (0.00s)` lines,
/// each failure's indented `file_test.go:12: message` lines after it, and
/// the package lines `ok` / `FAIL`.
enum GoTestOutput: TestOutputParser {
    static let runner = "go"

    static func recognizes(_ output: String) -> Bool {
        output.contains("--- PASS: ") || output.contains("--- FAIL: ") || output.contains("=== RUN ")
            || output.split(separator: "\n").contains { $0.hasPrefix("ok  \t") || $0.hasPrefix("FAIL\t") }
    }

    static func parse(_ output: String) -> TestResults {
        var results = TestResults(runner: runner)
        // With -v a test's log lines come between "=== RUN" and its "--- FAIL";
        // without it they follow the "--- FAIL" line.
        var running: String?
        var logged: [(SourceLocation, String)] = []
        var failed: String?
        for raw in output.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = raw.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("=== RUN") || trimmed.hasPrefix("=== CONT") {
                running = trimmed.split(separator: " ").last.map(String.init)
                logged = []
                failed = nil
            } else if trimmed.hasPrefix("--- ") {
                let words = trimmed.split(separator: " ")
                guard words.count >= 3 else { continue }
                let name = String(words[2])
                failed = nil
                switch words[1] {
                case "PASS:": results.record(name, .passed)
                case "SKIP:": results.record(name, .skipped)
                case "FAIL:":
                    results.record(name, .failed)
                    results.fail(name, message: "")
                    for (location, message) in logged where running == name { results.fail(name, message: message, at: location) }
                    failed = name
                default: break
                }
                logged = []
            } else if raw.hasPrefix("    ") || raw.hasPrefix("\t"), let (location, message) = SourceLocation.leading(Substring(trimmed)) {
                if let test = failed {
                    results.fail(test, message: String(message), at: location)
                } else {
                    logged.append((location, String(message)))
                }
            } else if trimmed.hasPrefix("ok ") || trimmed.hasPrefix("FAIL\t") || trimmed == "FAIL" || trimmed == "PASS" {
                failed = nil
                running = nil
            }
        }
        results.countCases()
        return results
    }
}
