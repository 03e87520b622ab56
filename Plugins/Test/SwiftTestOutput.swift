import AgentSupport
/// `swift test`: XCTest's lines and Swift Testing's, which one run prints both of.
///
///     Test Case 'CalcTests.testFails' failed (0.0 seconds)
///     /path/CalcTests.swift:5: error: CalcTests.testFails : XCTAssertEqual failed: ("3") is not equal to ("4")
///     ✘ Test failsOnPurpose() recorded an issue at SwiftTests.swift:4:31: Expectation failed: (add(2, 2) → 4) == 5
///     ➜ Test disabledOne() skipped: "not ready"
enum SwiftTestOutput: TestOutputParser {
    static let runner = "swift"

    static func recognizes(_ output: String) -> Bool {
        output.contains("Test Case '") || output.contains("◇ Test run started") || output.contains("✔ Test ")
            || output.contains("✘ Test ") || output.contains("Test Suite 'All tests'")
    }

    static func parse(_ output: String) -> TestResults {
        var results = TestResults(runner: runner)
        for raw in output.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("Test Case '"), let name = line.between("Test Case '", "'") {
                let test = xctestName(name)
                if line.contains("' passed (") { results.record(test, .passed) }
                else if line.contains("' failed (") { results.record(test, .failed); results.fail(test, message: "") }
                else if line.contains("' skipped (") { results.record(test, .skipped) }
            } else if let (location, rest) = SourceLocation.leading(Substring(line)), rest.contains(" : ") {
                // XCTest's "path:line: error: Class.test : message" (or "... : Test skipped - reason").
                let body = rest.hasPrefix("error: ") ? rest.dropFirst("error: ".count) : rest
                guard let separator = body.range(of: " : ") else { continue }
                let test = xctestName(body[..<separator.lowerBound])
                let message = String(body[separator.upperBound...])
                if !message.hasPrefix("Test skipped") { results.fail(test, message: message, at: location) }
            } else if let mark = line.first, "✔✘➜".contains(mark), line.dropFirst().trimmingCharacters(in: .whitespaces).hasPrefix("Test ") {
                swiftTesting(line, into: &results)
            }
        }
        results.countCases()
        return results
    }

    /// Swift Testing's event lines.
    private static func swiftTesting(_ line: String, into results: inout TestResults) {
        let body = line.drop { !$0.isLetter }.dropFirst("Test ".count)
        if body.hasPrefix("run with ") { return }
        let name = String(body.prefix { $0 != " " })
        if body.contains(" recorded an issue at "), let after = body.range(of: " recorded an issue at ")?.upperBound,
           let (location, message) = SourceLocation.leading(body[after...]) {
            results.record(name, .failed)
            results.fail(name, message: String(message), at: location)
        } else if body.contains(" passed after ") {
            results.record(name, .passed)
        } else if body.contains(" failed after ") {
            results.record(name, .failed)
            results.fail(name, message: "")
        } else if line.hasPrefix("➜"), body.contains(" skipped") {
            results.record(name, .skipped)
        }
    }

    /// "-[Module.Class test]" (Darwin) or "Module.Class.test" to "Class.test".
    private static func xctestName(_ raw: some StringProtocol) -> String {
        var name = raw.trimmingCharacters(in: .whitespaces)
        if name.hasPrefix("-["), name.hasSuffix("]") {
            name = String(name.dropFirst(2).dropLast()).replacingOccurrences(of: " ", with: ".")
        }
        let parts = name.split(separator: ".")
        return parts.count > 2 ? parts.suffix(2).joined(separator: ".") : name
    }
}
