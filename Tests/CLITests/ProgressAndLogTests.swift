import AgentHostCore
import AgentHostTestSupport
import Foundation
import Testing

/// What a person sees while a run goes on (a live status line on a
/// terminal, plain lines elsewhere) and JSON log lines that carry the ids of
/// the work they are about. Real CLI processes; the terminal is a real pty.
@Suite final class ProgressAndLogTests {
    let cli: CLIHome

    init() throws { cli = try CLIHome("progress", fixtures: [FixturePlugin(id: "test.worker")]) }

    func workflow() throws -> String {
        try cli.write("progress.yaml", """
            name: progress
            mode: sequential
            steps:
              - { id: first, capability: fixture.echo, input: { n: 1 } }
              - { id: report, capability: fixture.callbacks, optional: true }
              - { id: last, capability: fixture.sleep, input: { ms: 600 } }
            """)
    }

    @Test func withoutATerminalEachEventAndProgressReportIsAPlainLine() throws {
        let run = try cli.agenthost(["workflow", "run", try workflow()])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("  start  first"), "\(run.stdout)")
        #expect(run.stdout.contains("  done   first"), "\(run.stdout)")
        #expect(run.stdout.contains("  ...    report       50% half way"), "the agent's own report: \(run.stdout)")
        #expect(!run.stdout.contains("\u{1B}["), "no terminal codes in a pipe")
    }

    @Test func onATerminalAStatusLineCountsTheStepsAndNamesWhatRuns() throws {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "script(1) from util-linux gives the CLI a terminal")
        let command = ([PackagePaths.agenthostExecutable.path, "workflow", "run", try workflow(),
                        "--plugin-dir", cli.plugins.url.path, "--state", cli.database]).map(ShellQuote.word).joined(separator: " ")
        let run = try Command.run("/usr/bin/script", ["-qefc", command, "/dev/null"],
                                  environment: ["HOME": cli.home.url.path, "TERM": "xterm", "PATH": "/usr/bin:/bin"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("\u{1B}[2K"), "the status line is redrawn in place")
        #expect(run.stdout.contains("[0/3]") && run.stdout.contains("[3/3]"), "\(run.stdout)")
        #expect(run.stdout.contains("running last (test.worker)"), "\(run.stdout)")
        #expect(run.stdout.contains("2 of 3 steps completed, 1 failed"), "\(run.stdout)")
    }

    @Test func jsonLogLinesCarryTheTaskRunAndAgentOfAPluginsCall() throws {
        let run = try cli.agenthost(["workflow", "run", try workflow(), "--log-format", "json", "--log-level", "info"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let lines = run.stderr.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(!lines.isEmpty && lines.count == run.stderr.split(separator: "\n").count, "every line is JSON: \(run.stderr)")
        let logged = try #require(lines.first { $0["message"] as? String == "callbacks exercised" }, "\(run.stderr)")
        #expect(logged["level"] as? String == "info")
        #expect(logged["logger"] as? String == "agenthost.plugin.test.worker")
        #expect(logged["agent"] as? String == "test.worker")
        #expect(logged["run"] as? String == "1")
        #expect(logged["step"] as? String == "report")
        let task = try #require((logged["task"] as? String).flatMap { Int64($0) })
        #expect(try cli.store().task(id: task)?.step == "report")
        #expect((logged["ts"] as? String)?.hasSuffix("Z") == true)
        let refused = try cli.agenthost(["run", "fixture.echo", "--log-format", "yaml"])
        #expect(refused.status != 0 && refused.stderr.contains("yaml"), "\(refused.stderr)")
    }
}

/// A word as a POSIX shell reads it back.
enum ShellQuote {
    static func word(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}
