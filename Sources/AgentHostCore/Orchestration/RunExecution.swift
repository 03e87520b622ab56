import Foundation
import Synchronization

/// One run in progress: the coordinator's view of every step. It lives on
/// the thread that called `Orchestrator.run`; workers run the agent calls and
/// hand back what came of them through `inbox`.
///
/// A round: start every ready step (up to the concurrency bound) with one
/// write for all their tasks and attempts; run the last of them on this
/// thread and the others on workers; collect what ended; write all their
/// endings and checkpoints in one write; only then let dependents start.
/// So a step's result is never used before its checkpoint is stored.
final class RunExecution {
    enum Phase { case waiting, running, completed, failed, skipped }

    let orchestrator: Orchestrator
    let plan: WorkflowPlan
    let options: RunOptions
    let runID: Int64?
    let mainTaskID: Int64?
    let cancellation: CancellationToken
    let context: SharedContext
    let concurrency: Int
    let inbox = Inbox()
    var runtime: AgentRuntime { orchestrator.runtime }
    var store: TaskStore? { runID == nil ? nil : runtime.store }

    var phase: [Phase]
    var results: [[UInt8]?]
    var agents: [String?]
    var taskIDs: [Int64?]
    var errors: [String?]
    var attempts: [Int]
    var nextCandidate: [Int]
    /// What each completed step was asked (capability and payload), to find contradictory answers.
    var questions: [String?]
    var restored: [Bool]
    /// Dependencies (needs and order) not yet ended, per step.
    var waitingOn: [Int]
    var ready: [Int] = []
    var inFlight = 0
    var retries = 0
    var checkpointCount = 0
    var stopReason: String?

    init(orchestrator: Orchestrator, plan: WorkflowPlan, options: RunOptions, runID: Int64?, mainTaskID: Int64?) {
        self.orchestrator = orchestrator
        self.plan = plan
        self.options = options
        self.runID = runID
        self.mainTaskID = mainTaskID
        cancellation = options.cancellation ?? CancellationToken()
        context = options.context ?? SharedContext()
        concurrency = min(plan.workflow.concurrency, orchestrator.limits.tightened(by: plan.workflow.limits).maxConcurrency ?? .max)
        let count = plan.steps.count
        phase = Array(repeating: .waiting, count: count)
        results = Array(repeating: nil, count: count)
        agents = Array(repeating: nil, count: count)
        taskIDs = Array(repeating: nil, count: count)
        errors = Array(repeating: nil, count: count)
        attempts = Array(repeating: 0, count: count)
        nextCandidate = Array(repeating: 0, count: count)
        questions = Array(repeating: nil, count: count)
        restored = Array(repeating: false, count: count)
        waitingOn = plan.steps.map { Set($0.needs + $0.after).count }
        ready = plan.steps.indices.filter { waitingOn[$0] == 0 }
    }

    /// Takes the state of a resumed run from its checkpoints and attempts.
    func restore(checkpoints: [StepCheckpoint], attempts stored: [StepAttempt]) {
        for attempt in stored where attempt.outcome != .interrupted && attempt.outcome != .running {
            guard let step = plan.index[attempt.step] else { continue }
            attempts[step] += 1
            if attempt.outcome != .completed { nextCandidate[step] += 1; retries += 1 }
        }
        for checkpoint in checkpoints {
            guard let step = plan.index[checkpoint.step] else { continue }
            phase[step] = switch checkpoint.status {
            case .completed: .completed
            case .failed: .failed
            case .skipped: .skipped
            }
            results[step] = checkpoint.result.map { Array($0) }
            agents[step] = checkpoint.agent
            taskIDs[step] = checkpoint.taskId
            errors[step] = checkpoint.error
            restored[step] = true
            checkpointCount = max(checkpointCount, checkpoint.checkpoint)
            options.progress?(.restored(step: checkpoint.step, status: checkpoint.status))
        }
        for step in plan.steps.indices {
            waitingOn[step] = Set(plan.steps[step].needs + plan.steps[step].after).filter { !isEnded($0) }.count
        }
        ready = plan.steps.indices.filter { waitingOn[$0] == 0 && phase[$0] == .waiting }
    }

    func isEnded(_ step: Int) -> Bool { phase[step] == .completed || phase[step] == .failed || phase[step] == .skipped }

    // MARK: - The loop

    func execute() throws(StoreError) -> RunReport {
        while true {
            var batch: [Done] = []
            if stopReason == nil, !cancellation.isCancelled {
                batch = try launchReady()
            }
            if batch.isEmpty {
                if inFlight == 0 { break }
                batch = inbox.wait()
            } else {
                batch += inbox.drain()
            }
            try handle(batch)
        }
        return try finish()
    }

    /// Starts the ready steps the concurrency bound allows. Returns what
    /// already ended: attempts that failed before their agent was called,
    /// and the attempt run on this thread.
    private func launchReady() throws(StoreError) -> [Done] {
        var ended: [Done] = []
        // A step whose needs did not all complete cannot run.
        var skipped: [StepCheckpoint] = []
        var index = 0
        while index < ready.count {
            let step = ready[index]
            if let failed = plan.steps[step].needs.first(where: { phase[$0] != .completed }) {
                ready.remove(at: index)
                let reason = "needs '\(plan.steps[failed].spec.id)', which \(phase[failed] == .skipped ? "was skipped" : "failed")"
                skipped.append(end(step, as: .skipped, error: reason))
                options.progress?(.skipped(step: plan.steps[step].spec.id, reason: reason))
            } else {
                index += 1
            }
        }
        if !skipped.isEmpty { try store?.saveCheckpoints(skipped) }

        let room = concurrency - inFlight
        guard room > 0, !ready.isEmpty else { return ended }
        if ready.count > 1 {
            ready.sort { plan.steps[$0].spec.priority != plan.steps[$1].spec.priority
                ? plan.steps[$0].spec.priority > plan.steps[$1].spec.priority : $0 < $1 }
        }
        let launching = Array(ready.prefix(room))
        ready.removeFirst(launching.count)

        var starts: [TaskStore.AttemptStart] = []
        var prepared: [(step: Int, attempt: Int, candidate: WorkflowPlan.Candidate, preparation: AgentRuntime.Preparation, payload: [UInt8])] = []
        for step in launching {
            let planned = plan.steps[step]
            let candidate = planned.candidates[nextCandidate[step] % planned.candidates.count]
            attempts[step] += 1
            phase[step] = .running
            let payload: [UInt8]
            switch candidate.template.render({ reference in
                if case .step(let id, _) = reference, let other = plan.index[id] { return results[other] }
                return nil
            }) {
            case .success(let bytes): payload = bytes
            case .failure(let error):
                // The same input would fail the same way on any agent: the step fails.
                phase[step] = .failed
                let checkpoint = end(step, as: .failed, error: error.problem)
                try store?.saveCheckpoints([checkpoint])
                stopIfStrict(step, error.problem)
                continue
            }
            var request = TaskRequest(candidate.target, payload: payload, state: planned.spec.state, timeout: planned.timeout,
                                      cancellation: cancellation, context: context)
            request.agents = [candidate.agent]
            request.parentID = mainTaskID
            request.origin = .workflow
            request.runID = runID
            request.step = planned.spec.id
            let preparation = runtime.prepare(request, startedAs: .inProgress)
            let row: TaskStore.NewTask = switch preparation {
            case .ready(let ready): ready.row
            case .failed(let row, let error, _): AgentRuntime.failedRow(row, error)
            }
            starts.append(.init(task: row, step: planned.spec.id, attempt: attempts[step], alternative: candidate.alternative,
                                agent: candidate.agent, capability: row.routedCapability ?? row.capability))
            prepared.append((step, attempts[step], candidate, preparation, payload))
        }
        guard !prepared.isEmpty else { return ended }
        let ids = try store?.beginAttempts(starts, runID: runID!) ?? Array(repeating: (task: 0, attempt: 0), count: starts.count)

        var jobs: [Job] = []
        for (item, id) in zip(prepared, ids) {
            let spec = plan.steps[item.step].spec
            options.progress?(.started(step: spec.id, attempt: item.attempt, agent: item.candidate.agent))
            let question = "\(item.candidate.target)\u{0}" + String(decoding: item.payload, as: UTF8.self)
            switch item.preparation {
            case .failed(_, let error, let events):
                ended.append(Done(step: item.step, attempt: item.attempt, agent: item.candidate.agent, taskID: id.task, attemptID: id.attempt,
                                  question: question, completion: nil, events: events, problem: error.description, rejected: false,
                                  dispatched: false, waitedMicroseconds: 0, microseconds: 0))
            case .ready(let ready):
                var resources = spec.resources
                if orchestrator.limits.perAgentConcurrency != nil { resources.append(Orchestrator.agentPool(item.candidate.agent)) }
                if orchestrator.limits.maxConcurrency != nil { resources.append(Orchestrator.stepPool) }
                jobs.append(Job(step: item.step, attempt: item.attempt, agent: item.candidate.agent, ready: ready, taskID: id.task,
                                attemptID: id.attempt, question: question, resources: resources, priority: spec.priority,
                                verification: spec.verify, stepID: spec.id, runID: runID))
            }
        }
        // The last job runs here: the coordinator has nothing to do until something ends.
        if let last = jobs.popLast() {
            for job in jobs {
                inFlight += 1
                let runtime = self.runtime, leases = orchestrator.leases, inbox = self.inbox
                orchestrator.workers.async {
                    var done = job.perform(runtime: runtime, leases: leases)
                    done.dispatched = true
                    inbox.push(done)
                }
            }
            ended.append(last.perform(runtime: runtime, leases: orchestrator.leases))
        }
        return ended
    }

    /// Writes how the attempts of `batch` ended, with their checkpoints, then
    /// moves their steps on: completed, retried on the next candidate, or failed.
    private func handle(_ batch: [Done]) throws(StoreError) {
        var ends: [TaskStore.AttemptEnd] = []
        var events: [RunEvent] = []
        var moves: [() -> Void] = []
        for done in batch {
            if done.dispatched { inFlight -= 1 }
            let planned = plan.steps[done.step]
            let id = planned.spec.id
            if done.waitedMicroseconds > 1000 {
                events.append(RunEvent(runId: runID, kind: .leaseWaited, step: id,
                                       detail: "waited \(done.waitedMicroseconds / 1000) ms for \(done.resourcesDescription)"))
            }
            let outcome: StepAttempt.Outcome = done.problem == nil ? .completed : (done.rejected ? .rejected : .failed)
            var ending = TaskStore.AttemptEnd(attemptID: done.attemptID, finish: done.completion?.finish, events: done.completion?.events ?? done.events,
                                           outcome: outcome, reason: done.problem, checkpoint: nil)
            if outcome == .completed {
                let result = done.completion?.outcome.result ?? []
                checkpointCount += 1
                ending.checkpoint = StepCheckpoint(runId: runID ?? 0, step: id, status: .completed, result: Data(result), error: nil,
                                                agent: done.agent, taskId: done.taskID, attempts: attempts[done.step],
                                                checkpoint: checkpointCount, finishedUs: WallClock.microseconds())
                moves.append { [self] in
                    results[done.step] = result
                    agents[done.step] = done.agent
                    taskIDs[done.step] = done.taskID
                    questions[done.step] = done.question
                    phase[done.step] = .completed
                    stepEnded(done.step)
                }
            } else if attempts[done.step] < planned.maxAttempts, retries < plan.workflow.retryBudget, stopReason == nil,
                      !cancellation.isCancelled {
                retries += 1
                nextCandidate[done.step] += 1
                let next = planned.candidates[nextCandidate[done.step] % planned.candidates.count]
                let alternative = next.alternative == 0 ? "" : " (alternative \(next.alternative): \(next.target))"
                let detail = "attempt \(done.attempt) by '\(done.agent)' \(outcome == .rejected ? "was rejected" : "failed"): \(done.problem!); "
                    + "back to checkpoint \(checkpointCount); trying '\(next.agent)'\(alternative)"
                events.append(RunEvent(runId: runID, kind: .backtracked, step: id, detail: detail))
                moves.append { [self] in
                    phase[done.step] = .waiting
                    ready.append(done.step)
                    options.progress?(.backtracked(step: id, checkpoint: checkpointCount, next: next.agent))
                }
            } else {
                var reason = done.problem!
                if attempts[done.step] >= planned.maxAttempts, attempts[done.step] > 1 {
                    reason = "all \(attempts[done.step]) attempts failed; the last: \(reason)"
                } else if retries >= plan.workflow.retryBudget, attempts[done.step] < planned.maxAttempts {
                    reason = "the run's retry budget (\(plan.workflow.retryBudget)) is spent; the last attempt: \(reason)"
                }
                ending.checkpoint = end(done.step, as: .failed, error: reason, agent: done.agent, taskID: done.taskID)
                moves.append { [self] in
                    agents[done.step] = done.agent
                    taskIDs[done.step] = done.taskID
                    stopIfStrict(done.step, reason)
                }
            }
            ends.append(ending)
        }
        try store?.endAttempts(ends, runEvents: events)
        // Written: now the rest of the run may see it.
        for (done, end) in zip(batch, ends) {
            options.progress?(.ended(step: plan.steps[done.step].spec.id, attempt: done.attempt, agent: done.agent, outcome: end.outcome,
                                     problem: done.problem, microseconds: done.microseconds))
        }
        for move in moves { move() }
    }

    /// Records the end of a step that will not complete, and lets its dependents move.
    private func end(_ step: Int, as status: StepStatus, error: String, agent: String? = nil, taskID: Int64? = nil) -> StepCheckpoint {
        phase[step] = status == .failed ? .failed : .skipped
        errors[step] = error
        checkpointCount += 1
        stepEnded(step)
        return StepCheckpoint(runId: runID ?? 0, step: plan.steps[step].spec.id, status: status, result: nil, error: error, agent: agent,
                              taskId: taskID, attempts: attempts[step], checkpoint: checkpointCount, finishedUs: WallClock.microseconds())
    }

    private func stepEnded(_ step: Int) {
        for dependent in plan.steps[step].dependents {
            waitingOn[dependent] -= 1
            if waitingOn[dependent] == 0, phase[dependent] == .waiting { ready.append(dependent) }
        }
    }

    private func stopIfStrict(_ step: Int, _ reason: String) {
        guard plan.steps[step].spec.strict, stopReason == nil else { return }
        stopReason = "strict step '\(plan.steps[step].spec.id)' failed: \(reason)"
    }
}

/// Completed attempts, handed from workers to the coordinator.
final class Inbox: Sendable {
    private let items = Mutex<[RunExecution.Done]>([])
    private let signal = DispatchSemaphore(value: 0)

    func push(_ done: RunExecution.Done) {
        items.withLock { $0.append(done) }
        signal.signal()
    }

    /// Waits for at least one, then takes all there are.
    func wait() -> [RunExecution.Done] {
        signal.wait()
        let taken = take()
        // Each push signalled once; the extra ones taken now are consumed so later waits stay exact.
        for _ in 0..<max(0, taken.count - 1) { signal.wait() }
        return taken
    }

    /// Takes all there are, without waiting for more.
    func drain() -> [RunExecution.Done] {
        let taken = take()
        for _ in taken { signal.wait() }
        return taken
    }

    private func take() -> [RunExecution.Done] {
        items.withLock { items in
            let taken = items
            items.removeAll(keepingCapacity: true)
            return taken
        }
    }
}
