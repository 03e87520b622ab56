import AgentHostCore
import Foundation

/// How the CLI shows tasks: one line each in lists, a block for one task.
enum TaskReport {
    /// "task 12 completed: agenthost.knowledge (knowledge.search); exact capability ..." on stderr.
    static func printSummary(of outcome: TaskOutcome, indent: String = "") {
        var line = "\(indent)task \(outcome.id) \(outcome.status)"
        if let agent = outcome.agent { line += ": \(agent) (\(outcome.capability ?? "?"))" }
        if let reason = outcome.routeReason { line += "; \(reason)" }
        FileHandle.standardError.write(Data((line + "\n").utf8))
        for child in outcome.children { printSummary(of: child, indent: indent + "  ") }
    }

    static func line(_ task: StoredTask) -> String {
        let what = task.capability ?? task.query.map { "\"\($0.prefix(40))\"" } ?? "?"
        let duration = task.durationMicroseconds.map { " \(format(micros: $0))" } ?? ""
        return "\(String(task.id).padding(toLength: 6, withPad: " ", startingAt: 0)) \(task.status.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)) "
            + "\(what)  -> \(task.agent ?? "-")\(duration)\(task.parentId.map { "  (from task \($0), \(task.origin))" } ?? "")"
    }

    static func format(micros: Int64) -> String { ElapsedText.format(micros: micros) }

    static func date(_ micros: Int64?) -> String {
        guard let micros else { return "-" }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(micros) / 1e6))
    }

    /// For tasks that did not finish by themselves, what a person can do next.
    static func printHowToGoOn(after tasks: [StoredTask]) {
        var runs = Set<Int64>()
        var retries: [Int64] = []
        for task in tasks where task.status == .interrupted || task.status == .cancelled {
            if let run = task.runId { runs.insert(run) } else if task.parentId == nil { retries.append(task.id) }
        }
        for run in runs.sorted() { print("run \(run) was interrupted or cancelled: `agenthost resume \(run)` goes on from its checkpoints") }
        if !retries.isEmpty {
            let ids = retries.prefix(5).map(String.init).joined(separator: ", ")
            print("task\(retries.count > 1 ? "s" : "") \(ids)\(retries.count > 5 ? ", …" : "") did not finish: "
                  + "`agenthost tasks retry \(retries[0])` runs \(retries.count > 1 ? "one" : "it") again")
        }
    }
}
