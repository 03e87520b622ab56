import Foundation

extension RunExecution {
    /// Settles the run once no step can start: steps that never ran are
    /// skipped, contradictory answers are settled, the result is made, and
    /// the run's ending is written.
    func finish() throws(StoreError) -> RunReport {
        let cancelled = isCancelled && stopReason == nil
        let notRun = cancelled ? "the run was cancelled" : (stopReason ?? "it could not start")
        for step in plan.steps.indices where phase[step] == .waiting {
            unreported.append(.skipped(step: plan.steps[step].spec.id, reason: notRun))
            // A cancelled run is resumed later: the steps it did not run get no checkpoint, so they run then.
            if cancelled {
                phase[step] = .skipped
                errors[step] = notRun
            } else {
                pending.checkpoints.append(end(step, as: .skipped, error: notRun))
            }
        }

        var conflicts: [RunReport.Conflict] = []
        var conflictEvents: [RunEvent] = []
        // Where the answers are voted on anyway, a disagreement is the vote's business.
        let voted: Bool = if case .vote? = plan.workflow.aggregate { true } else { plan.workflow.mode == .consensus }
        if !voted, plan.mayConflict {
            (conflicts, conflictEvents) = settleConflicts()
        }
        pending.events += conflictEvents

        let completed = plan.steps.indices.filter { phase[$0] == .completed }
        let answers = completed.map { (step: plan.steps[$0].spec.id, agent: agents[$0], answer: results[$0]!) }
        var status: RunStatus = .completed
        var error: String?
        var result: [UInt8]?
        var vote: RunReport.Vote?

        switch plan.workflow.mode {
        case .sequential:
            result = completed.last.flatMap { results[$0] }
        case .parallel, .plan:
            // Each answer as it is when it is JSON, else as a string; keys sorted.
            var object: [UInt8] = [UInt8(ascii: "{")]
            for (index, (step, _, answer)) in answers.sorted(by: { $0.step < $1.step }).enumerated() {
                if index > 0 { object.append(UInt8(ascii: ",")) }
                JSONBytes.appendQuoted(step.utf8, to: &object)
                object.append(UInt8(ascii: ":"))
                if JSONBytes.isValid(answer) { object += answer } else { JSONBytes.appendQuoted(answer, to: &object) }
            }
            object.append(UInt8(ascii: "}"))
            result = object
        case .hierarchical:
            switch plan.workflow.aggregate!.apply(answers) {
            case .success(let bytes): result = bytes
            case .failure(let failure): error = "aggregation (\(plan.workflow.aggregate!.name)) failed: \(failure.problem)"
            }
            if case .vote(let normalization) = plan.workflow.aggregate! {
                vote = tally(normalization: normalization, minAgreement: nil)
            }
        case .consensus:
            let spec = plan.workflow.consensus!
            let tally = tally(normalization: spec.normalization, minAgreement: spec.minAgreement)
            vote = tally
            if tally.votes == 0 || tally.winner == nil {
                error = "no voter answered"
            } else if tally.agreement + 1e-9 < spec.minAgreement {
                error = String(format: "no consensus: the most common answer has %.2f agreement, below min_agreement %.2f", tally.agreement, spec.minAgreement)
            }
            result = Self.consensusJSON(tally).canonicalBytes
        }

        if cancelled {
            status = .cancelled
            error = error ?? "cancelled"
        } else if let stopReason {
            status = .failed
            error = stopReason
        } else if conflicts.contains(where: { $0.resolution == .escalate }) {
            status = .escalated
            error = "contradictory answers were escalated: " + conflicts.filter { $0.resolution == .escalate }
                .map { "steps \($0.steps.joined(separator: ", "))" }.joined(separator: "; ") + "; a person must decide"
        } else if completed.isEmpty {
            status = .failed
            error = error ?? "no step completed"
        } else if error != nil {
            status = .failed
        } else if plan.workflow.mode != .consensus, let shortfall = shortfall() {
            // Some steps that were not optional did not complete: the run did not do what it was asked.
            status = .partial
            error = shortfall
        }

        if persistent, newRun != nil { try flush() }
        if persistent, let runID {
            let main = mainTaskID.map {
                TaskStore.Finish(id: $0, status: status == .completed ? .completed : (status == .cancelled ? .cancelled : .failed),
                                 agentState: status == .completed ? .done : .failed, result: result, error: error,
                                 finishedUs: WallClock.microseconds())
            }
            let span = commitSpan()
            try runtime.store.finishRun(runID, status: status, result: result, error: error, mainTask: main, after: pending)
            span.end()
        }
        written()

        let steps = plan.steps.indices.map { step in
            RunReport.Step(id: plan.steps[step].spec.id, status: Self.status(of: phase[step]), agent: agents[step], attempts: attempts[step],
                           result: results[step], error: errors[step], taskID: taskIDs[step], restored: restored[step])
        }
        return RunReport(runID: runID, workflow: plan.workflow.name, mode: plan.workflow.mode, status: status, result: result, error: error,
                         steps: steps, vote: vote, conflicts: conflicts, retries: retries)
    }

    /// The steps not declared optional that failed or were skipped, counted
    /// and named; nil when there are none. (A consensus run's voters are
    /// judged by the vote instead.)
    private func shortfall() -> String? {
        let required = plan.steps.indices.filter { !plan.steps[$0].spec.optional }
        let failed = required.filter { phase[$0] == .failed }.map { plan.steps[$0].spec.id }
        let skipped = required.filter { phase[$0] == .skipped }.map { plan.steps[$0].spec.id }
        guard !failed.isEmpty || !skipped.isEmpty else { return nil }
        let completed = plan.steps.indices.count { phase[$0] == .completed }
        var parts = ["\(completed) of \(plan.steps.count) steps completed"]
        if !failed.isEmpty { parts.append("\(failed.count) failed (\(failed.joined(separator: ", ")))") }
        if !skipped.isEmpty { parts.append("\(skipped.count) skipped (\(skipped.joined(separator: ", ")))") }
        return parts.joined(separator: ", ") + "; a step marked `optional: true` may fail without failing the run"
    }

    private static func status(of phase: Phase) -> StepStatus {
        switch phase {
        case .completed: .completed
        case .failed, .running: .failed
        case .skipped, .waiting: .skipped
        }
    }

    /// Every step votes; one that did not answer counts against the winner.
    private func tally(normalization: Normalization, minAgreement: Double?) -> RunReport.Vote {
        let completed = plan.steps.indices.filter { phase[$0] == .completed }
        let ballot = Ballot(completed.map { (plan.steps[$0].spec.id, agents[$0], results[$0]!) }, normalization: normalization)
        let voters = plan.steps.count
        var dissenters = ballot.dissenters.map { (step: $0.voter, agent: $0.agent, answer: Optional(String(decoding: $0.answer, as: UTF8.self))) }
        for step in plan.steps.indices where phase[step] != .completed {
            dissenters.append((step: plan.steps[step].spec.id, agent: agents[step], answer: nil))
        }
        return RunReport.Vote(winner: ballot.winner?.answer, agreement: voters == 0 ? 0 : Double(ballot.winnerCount) / Double(voters),
                              minAgreement: minAgreement, votes: voters, dissenters: dissenters)
    }

    private static func consensusJSON(_ vote: RunReport.Vote) -> JSONValue {
        func answer(_ bytes: [UInt8]) -> JSONValue { (try? JSONValue(parsing: bytes)) ?? .string(String(decoding: bytes, as: UTF8.self)) }
        return .object([
            "winner": vote.winner.map(answer) ?? .null,
            "agreement": .number((vote.agreement * 1000).rounded() / 1000),
            "min_agreement": vote.minAgreement.map(JSONValue.number) ?? .null,
            "votes": .number(Double(vote.votes)),
            "dissenters": .array(vote.dissenters.map { dissenter in
                .object(["step": .string(dissenter.step), "agent": dissenter.agent.map(JSONValue.string) ?? .null,
                         "answer": dissenter.answer.map { answer(Array($0.utf8)) } ?? .null])
            }),
        ])
    }

    /// Steps that put the same question (capability and payload) to
    /// different agents and got different answers: a conflict, settled by
    /// the workflow's rule. The losers' results become the winner's.
    private func settleConflicts() -> ([RunReport.Conflict], [RunEvent]) {
        var groups: [Question: [Int]] = [:]
        for step in plan.steps.indices where phase[step] == .completed {
            if let question = questions[step] { groups[question, default: []].append(step) }
        }
        var conflicts: [RunReport.Conflict] = []
        var events: [RunEvent] = []
        for steps in groups.values.sorted(by: { $0[0] < $1[0] }) where Set(steps.compactMap { agents[$0] }).count > 1 {
            let ballot = Ballot(steps.map { (plan.steps[$0].spec.id, agents[$0], results[$0]!) }, normalization: .json)
            guard !ballot.isUnanimous else { continue }
            let rule = plan.workflow.conflicts
            var winner: Int?
            switch rule {
            case .vote:
                winner = steps.first { plan.steps[$0].spec.id == ballot.winner?.voter }
            case .priority:
                winner = steps.max { priority(of: $0) < priority(of: $1) || (priority(of: $0) == priority(of: $1) && $0 > $1) }
            case .escalate:
                winner = nil
            }
            let ids = steps.map { plan.steps[$0].spec.id }
            let answers = steps.map { "\(agents[$0] ?? "?"): \(String(decoding: results[$0]!.prefix(120), as: UTF8.self))" }
            conflicts.append(.init(steps: ids, answers: answers, resolution: rule, winner: winner.map { plan.steps[$0].spec.id }))
            let outcome = winner.map { "settled by \(rule.rawValue): step '\(plan.steps[$0].spec.id)' (\(agents[$0] ?? "?")) wins" }
                ?? "escalated: a person must decide"
            events.append(RunEvent(runId: runID, kind: .conflict, step: ids[0],
                                   detail: "steps \(ids.joined(separator: ", ")) answered the same question differently (\(answers.joined(separator: " | "))); \(outcome)"))
            if let winner {
                for step in steps { results[step] = results[winner] }
            }
        }
        return (conflicts, events)
    }

    private func priority(of step: Int) -> Int {
        guard let agent = agents[step], let plugin = runtime.host.registry.plugin(id: agent) else { return .min }
        let capability = plan.steps[step].spec.capability
        return plugin.manifest.capabilities.first { $0.name == capability }?.priority ?? 0
    }
}
