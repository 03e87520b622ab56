import AgentHostCore
import Foundation

/// How the CLI shows a run: a line per event while it runs, a summary at the end.
enum RunPrinter {
    /// Prints each progress event as a line on stdout, flushed at once so a
    /// person (or a test killing the process) sees it as it happens.
    static func progress(_ event: RunProgress) { emit(line(for: event)) }

    /// A progress event as the line that shows it.
    static func line(for event: RunProgress) -> String {
        let line: String
        switch event {
        case .started(let step, let attempt, let agent):
            line = "  start  \(pad(step)) on \(agent)\(attempt > 1 ? " (attempt \(attempt))" : "")"
        case .ended(let step, _, let agent, let outcome, let problem, let micros):
            switch outcome {
            case .completed: line = "  done   \(pad(step)) by \(agent) in \(TaskReport.format(micros: micros))"
            default: line = "  \(outcome == .rejected ? "reject" : "fail  ") \(pad(step)) by \(agent): \(problem ?? outcome.rawValue)"
            }
        case .backtracked(let step, let checkpoint, let next):
            line = "  retry  \(pad(step)) from checkpoint \(checkpoint) on \(next)"
        case .restored(let step, let status):
            line = "  kept   \(pad(step)) \(status.rawValue), from its checkpoint"
        case .skipped(let step, let reason):
            line = "  skip   \(pad(step)) \(reason)"
        }
        return line
    }

    static func emit(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func pad(_ step: String) -> String { step.padding(toLength: max(12, step.count), withPad: " ", startingAt: 0) }

    /// The run's counts, votes, conflicts, failures and result; `options` are
    /// the command's `--plugin-dir` and `--state`, repeated in the hints.
    static func summary(_ report: RunReport, options: HostOptions) {
        let completed = report.steps.filter { $0.status == .completed }.count
        let failed = report.steps.filter { $0.status == .failed }.count
        let skipped = report.steps.filter { $0.status == .skipped }.count
        let restored = report.steps.filter(\.restored).count
        var counts = "\(completed) of \(report.steps.count) steps completed"
        if failed > 0 { counts += ", \(failed) failed" }
        if skipped > 0 { counts += ", \(skipped) skipped" }
        if restored > 0 { counts += ", \(restored) kept from checkpoints" }
        if report.retries > 0 { counts += ", \(report.retries) retries" }
        emit("run \(report.runID.map(String.init) ?? "(in memory)") '\(report.workflow)' \(report.status.rawValue): \(counts)")
        if let vote = report.vote {
            let winner = vote.winner.map { String(decoding: $0, as: UTF8.self) } ?? "-"
            emit(String(format: "  vote:     %@ with agreement %.2f of %d votes%@", winner, vote.agreement, vote.votes,
                        vote.minAgreement.map { String(format: " (min %.2f)", $0) } ?? ""))
            for dissenter in vote.dissenters {
                emit("  dissent:  \(dissenter.step) (\(dissenter.agent ?? "-")): \(dissenter.answer ?? "no answer")")
            }
        }
        for conflict in report.conflicts {
            emit("  conflict: steps \(conflict.steps.joined(separator: ", ")) disagreed; \(conflict.resolution.rawValue)"
                 + (conflict.winner.map { ": '\($0)' wins" } ?? ": a person must decide"))
        }
        for step in report.steps where step.status != .completed {
            emit("  \(step.status.rawValue): \(step.id): \(step.error ?? "-")")
        }
        if let error = report.error { emit("  error:    \(error)") }
        if let result = report.resultText { emit("  result:   \(result.count > 2000 ? String(result.prefix(2000)) + "…" : result)") }
        let store = options.repeated.map { " " + $0 } ?? ""
        if let id = report.runID {
            emit("  trace:    agenthost runs show \(id)\(store)")
            if report.status.isResumable { emit("  resume:   agenthost resume \(id)\(store)") }
        }
    }

    /// "1 step", "3 steps".
    static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

    /// The plan as levels: each level's steps may run at once.
    static func plan(_ plan: WorkflowPlan) {
        let workflow = plan.workflow
        emit("workflow '\(workflow.name)' (\(workflow.mode.rawValue)): \(Self.count(workflow.steps.count, "step")) in "
             + "\(Self.count(plan.levels.count, "level")), "
             + "concurrency \(workflow.concurrency), retry budget \(workflow.retryBudget)")
        for (depth, level) in plan.levels.enumerated() {
            emit("  level \(depth + 1): \(level.joined(separator: ", "))")
        }
        for step in workflow.steps {
            let what = step.capability ?? "\"\(step.text ?? "")\""
            var line = "  \(pad(step.id)) \(what)"
            if !step.needs.isEmpty { line += "  needs \(step.needs.joined(separator: ", "))" }
            if step.strict { line += "  strict" }
            if !step.alternatives.isEmpty { line += "  alternatives \(step.alternatives.map(\.capability).joined(separator: ", "))" }
            if step.verify != nil { line += "  verified" }
            emit(line)
        }
        emit("  agents: \(plan.agents.sorted().joined(separator: ", "))")
    }

}

/// A word as a POSIX shell reads it back: as it is when it is plain, else in single quotes.
enum ShellWord {
    static func quote(_ word: String) -> String {
        let plain = !word.isEmpty && word.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:@%+,".contains($0) }
        return plain ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
