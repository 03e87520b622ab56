import AgentHostCore
import ArgumentParser
import Foundation

struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "Show workflow runs: their checkpoints, attempts and trace.",
        subcommands: [List.self, Show.self, TraceFile.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the most recent runs, newest first.")
        @OptionGroup var host: HostOptions
        @Option(parsing: .unconditional, help: "How many runs to list.") var limit = 20

        func validate() throws { try Limits.checkCount(limit, "--limit", maximum: Limits.maximumListLimit) }

        func run() throws {
            let store = try host.openStoreForReading()
            let runs = try store.map { store in try catching { try store.runs(limit: limit) } } ?? []
            guard !runs.isEmpty else {
                print("No runs in \(host.storePath) yet; `agenthost workflow run FILE` starts one.")
                return
            }
            for run in runs {
                let took = run.finishedUs.map { " " + TaskReport.format(micros: $0 - run.createdUs) } ?? ""
                print("\(String(run.id).padding(toLength: 6, withPad: " ", startingAt: 0)) \(run.status.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)) "
                      + "\(run.name) (\(run.mode))\(took)\(run.resumes > 0 ? ", resumed \(run.resumes)x" : "")")
            }
            let resumable = runs.filter { $0.status == .interrupted || $0.status == .cancelled }.map(\.id)
            if let first = resumable.first {
                print("\(resumable.count == 1 ? "run \(first) was" : "runs \(resumable.map(String.init).joined(separator: ", ")) were") "
                      + "interrupted or cancelled: `agenthost resume \(first)` goes on from its checkpoints")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a run as a timeline: every attempt, checkpoint and event.")
        @OptionGroup var host: HostOptions
        @Argument(help: "The run's id.") var id: Int64
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            guard let store = try host.openStoreForReading(), let run = try catching({ try store.run(id: id) }) else {
                throw CLIError("no run \(id) in \(host.storePath); `agenthost runs list` shows the runs")
            }
            let attempts = try catching { try store.attempts(of: id) }
            let checkpoints = try catching { try store.checkpoints(of: id) }
            let events = try catching { try store.events(ofRun: id) }
            if json {
                print(try JSONText.encode(Trace(run: run, attempts: attempts, checkpoints: checkpoints, events: events)))
                return
            }
            guard let timeline = try catching({ try store.timeline(ofRun: id) }) else {
                throw CLIError("no run \(id) in \(host.storePath); `agenthost runs list` shows the runs")
            }
            print("run \(run.id) '\(run.name)' (\(run.mode)): \(run.status.rawValue)\(run.resumes > 0 ? ", resumed \(run.resumes)x" : "")")
            for (time, line) in RunsCommand.lines(of: timeline) {
                print("  \(("+" + TaskReport.format(micros: time)).padding(toLength: 10, withPad: " ", startingAt: 0)) \(line)")
            }
            if let error = run.error { print("  error:  \(error)") }
            if let result = run.resultText { print("  result: \(result)") }
            for line in ModelUsageReport.lines(try catching { try store.modelUsage(ofRun: id) }) { print("  \(line)") }
            if let owner = run.ownerId, let holder = try catching({ try store.host(id: owner) }) {
                print("  host:   \(holder.describe())\(run.status == .running ? "" : ", \(holder.endReason ?? "running")")")
            }
            if run.status.isResumable, run.status != .running { print("  `agenthost resume \(run.id)` goes on from its checkpoints") }
        }
    }

    struct TraceFile: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "trace",
            abstract: "Write a run's timeline to look at: Chrome trace-event JSON or one self-contained HTML page.",
            discussion: """
                `--format chrome` opens in https://ui.perfetto.dev and chrome://tracing: a thread per agent, a slice per \
                attempt, flow arrows for handoffs and delegations. `--format html` needs nothing but a browser: a lane \
                per agent, a bar per attempt coloured by how it ended, checkpoints, arrows, details on hover.
                """)

        enum Format: String, ExpressibleByArgument, CaseIterable { case chrome, html }

        @OptionGroup var host: HostOptions
        @Argument(help: "The run's id.") var id: Int64
        @Option(help: "chrome or html.") var format: Format = .html
        @Option(name: [.short, .long], help: "The file to write; standard output when not given.") var output: String?

        func run() throws {
            guard let store = try host.openStoreForReading(), let timeline = try catching({ try store.timeline(ofRun: id) }) else {
                throw CLIError("no run \(id) in \(host.storePath); `agenthost runs list` shows the runs")
            }
            let bytes = format == .chrome ? Data(timeline.chromeTrace()) : Data(timeline.html().utf8)
            guard let output else {
                FileHandle.standardOutput.write(bytes)
                return
            }
            let url = URL(fileURLWithPath: output)
            do {
                try bytes.write(to: url, options: .atomic)
            } catch {
                throw CLIError("cannot write \(output): \(error.localizedDescription); give --output a file in a folder you can write to")
            }
            print("wrote run \(id)'s timeline (\(RunPrinter.count(timeline.bars.count, "task")) on \(RunPrinter.count(timeline.lanes.count, "agent"))) to \(url.path)"
                  + (format == .chrome ? "; open it in https://ui.perfetto.dev or chrome://tracing" : "; open it in a browser"))
        }
    }

    /// The timeline as text, a line per attempt, task it made, checkpoint and
    /// run event, at its offset from the run's start.
    static func lines(of timeline: RunTimeline) -> [(Int64, String)] {
        var lines: [(Int64, String)] = []
        for bar in timeline.bars {
            let took = bar.open ? " (running for \(TaskReport.format(micros: bar.durationUs)))" : " (\(TaskReport.format(micros: bar.durationUs)))"
            let reason = bar.reason.map { ": \($0)" } ?? ""
            switch bar.kind {
            case .attempt:
                lines.append((bar.startUs, "attempt \(bar.step ?? "-")#\(bar.number ?? 1) on \(bar.agent)"
                              + "\(bar.alternative > 0 ? " [alternative \(bar.alternative)]" : ""): \(bar.outcome)\(took) task \(bar.taskId)\(reason)"))
            case .main:
                lines.append((bar.startUs, "main task \(bar.taskId) on \(bar.agent): \(bar.outcome)\(took)\(reason)"))
            case .handoff, .delegation, .verification:
                lines.append((bar.startUs, "\(bar.kind.rawValue) task \(bar.taskId) on \(bar.agent)"
                              + "\(bar.parentTaskId.map { " (from task \($0))" } ?? ""): \(bar.outcome)\(took)\(reason)"))
            }
        }
        for mark in timeline.marks where mark.kind == "checkpoint" || mark.taskId == nil {
            lines.append((mark.atUs, mark.kind == "checkpoint" ? mark.detail : "\(mark.kind)\(mark.step.map { " \($0)" } ?? ""): \(mark.detail)"))
        }
        if timeline.status != .running { lines.append((timeline.durationUs, "finished: \(timeline.status.rawValue)")) }
        // Stable: at one moment, attempts before the checkpoints they made.
        return lines.enumerated().sorted { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }.map(\.element)
    }

    /// A run as `runs show --json` prints it.
    struct Trace: Encodable {
        var run: StoredRun
        var attempts: [StepAttempt]
        var checkpoints: [StepCheckpoint]
        var events: [RunEvent]
    }
}
