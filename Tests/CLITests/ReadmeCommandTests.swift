import AgentHostTestSupport
import Foundation
import Testing

/// The README's CLI section, run as written: every line in order, from the
/// repository root, in one shell that stops at the first command that fails.
/// Only what cannot be taken as it is changes: the build (done already), and
/// the page server's port (a free one, not 8080, which may be taken here).
@Suite struct ReadmeCommandTests {
    static func cliSection() throws -> [String] {
        let readme = try String(contentsOf: PackagePaths.root.appendingPathComponent("README.md"), encoding: .utf8)
        guard let heading = readme.range(of: "## The CLI\n"), let open = readme.range(of: "```sh\n", range: heading.upperBound..<readme.endIndex),
              let close = readme.range(of: "\n```", range: open.upperBound..<readme.endIndex) else { return [] }
        return readme[open.upperBound..<close.lowerBound].split(separator: "\n").map(String.init)
    }

    @Test func everyCommandOfTheCLISectionWorksAsWritten() throws {
        let lines = try Self.cliSection()
        #expect(lines.count > 20, "the README's CLI section was not found")
        #expect(!lines.joined().contains("path/to"), "a placeholder is not a command")
        let home = try TemporaryFolder("readme-home")
        defer { home.remove() }
        let port = try FreePort.pick(), servePort = try FreePort.pick()
        let script = (["set -euo pipefail", "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT"]
            + lines.map { line in
                line == "swift build" ? "true  # swift build: the tests are built already"
                    : line.replacingOccurrences(of: "8080", with: String(port)).replacingOccurrences(of: "8480", with: String(servePort))
            })
            .joined(separator: "\n")
        let environment = ["HOME": home.url.path, "AGENTHOST_HOME": home.url.appendingPathComponent(".agenthost").path,
                           "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        let result = try Command.run("bash", ["-c", script], environment: environment, currentDirectory: PackagePaths.root)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")

        let out = result.stdout, err = result.stderr
        #expect(out.contains(#""greeting":"Hello, Ada""#), "hello-c uses its input")
        #expect(out.contains(#""query":"research how tasks are routed""#), "free text reaches the agent as its query")
        #expect(out.contains(#""title":"AgentHost notes""#), "the Browser read the served page")
        #expect(err.contains("agenthost.knowledge (knowledge.answer)") && err.contains("agenthost.planner (planner.plan)"),
                "the DELEGATE example researched and planned: \(err)")
        #expect(out.contains(#""goal":"Research the plugin ABI, then research how checkpoints are stored""#), "the Planner got the TASK as its goal")
        #expect(out.contains(#""kind":"task","what":"planner.plan","status":"completed""#), "serve ran the task: \(out)")
        #expect(FileManager.default.fileExists(atPath: home.url.appendingPathComponent("run-1.html").path), "the timeline page was written")
        #expect(!err.contains("Error:"), "\(err)")
    }
}
