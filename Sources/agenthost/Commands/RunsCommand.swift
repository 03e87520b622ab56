import AgentHostCore
import ArgumentParser
import Foundation

struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "Show workflow runs: their checkpoints, attempts and trace.",
        subcommands: [List.self, Show.self])

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
            print("run \(run.id) '\(run.name)' (\(run.mode)): \(run.status.rawValue)\(run.resumes > 0 ? ", resumed \(run.resumes)x" : "")")
            let origin = run.createdUs
            func at(_ micros: Int64) -> String { "+" + TaskReport.format(micros: micros - origin) }
            var lines: [(Int64, String)] = []
            for attempt in attempts {
                let took = attempt.finishedUs.map { " (\(TaskReport.format(micros: $0 - attempt.startedUs)))" } ?? ""
                lines.append((attempt.startedUs, "attempt \(attempt.step)#\(attempt.attempt) on \(attempt.agent)"
                              + "\(attempt.alternative > 0 ? " [alternative \(attempt.alternative)]" : ""): \(attempt.outcome.rawValue)\(took)"
                              + " task \(attempt.taskId)\(attempt.reason.map { ": \($0)" } ?? "")"))
            }
            for checkpoint in checkpoints {
                lines.append((checkpoint.finishedUs, "checkpoint \(checkpoint.checkpoint): \(checkpoint.step) \(checkpoint.status.rawValue)"
                              + (checkpoint.error.map { ": \($0)" } ?? "")))
            }
            for event in events { lines.append((event.atUs, "\(event.kind.rawValue)\(event.step.map { " \($0)" } ?? ""): \(event.detail)")) }
            if let finished = run.finishedUs { lines.append((finished, "finished: \(run.status.rawValue)")) }
            for (time, line) in lines.sorted(by: { $0.0 < $1.0 }) { print("  \(at(time).padding(toLength: 10, withPad: " ", startingAt: 0)) \(line)") }
            if let error = run.error { print("  error:  \(error)") }
            if let result = run.resultText { print("  result: \(result)") }
            for line in ModelUsageReport.lines(try catching { try store.modelUsage(ofRun: id) }) { print("  \(line)") }
            if let owner = run.ownerId, let holder = try catching({ try store.host(id: owner) }) {
                print("  host:   \(holder.describe())\(run.status == .running ? "" : ", \(holder.endReason ?? "running")")")
            }
            if run.status.isResumable, run.status != .running { print("  `agenthost resume \(run.id)` goes on from its checkpoints") }
        }
    }

    /// A run as `runs show --json` prints it.
    struct Trace: Encodable {
        var run: StoredRun
        var attempts: [StepAttempt]
        var checkpoints: [StepCheckpoint]
        var events: [RunEvent]
    }
}
