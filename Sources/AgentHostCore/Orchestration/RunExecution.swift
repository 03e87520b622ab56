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
    /// Nil until the run is written (with its first steps), and for ever in memory.
    var runID: Int64?
    var mainTaskID: Int64?
    /// The run to write with the first steps; nil once written or when resuming.
    var newRun: TaskStore.NewRun?
    let persistent: Bool
    let cancellation: CancellationToken
    let context: SharedContext
    /// What the run has used against its budget, shared by all its steps.
    let ledger: WorkLedger
    let concurrency: Int
    /// The workflow's own `per_agent_concurrency`: most steps of this run in
    /// flight on one agent (the policy's limit is a pool across runs).
    let perAgentLimit: Int?
    var inFlightByAgent: [String: Int] = [:]
    /// Every ready step waits for an agent at that limit: nothing can start until one ends.
    var readyAllHeld = false
    /// Made when the first job goes to a worker; a run that never fans out needs none.
    lazy var inbox = Inbox()
    var runtime: AgentRuntime { orchestrator.runtime }
    var store: TaskStore? { persistent ? runtime.store : nil }

    var phase: [Phase]
    var results: [[UInt8]?]
    var agents: [String?]
    var taskIDs: [Int64?]
    var errors: [String?]
    var attempts: [Int]
    var nextCandidate: [Int]
    /// What each completed step was asked (capability and payload), to find contradictory answers.
    var questions: [Question?]
    var restored: [Bool]
    /// Dependencies (needs and order) not yet ended, per step.
    var waitingOn: [Int]
    var ready: [Int] = []
    var inFlight = 0
    var retries = 0
    var checkpointCount = 0
    var stopReason: String?
    /// Written with the run's next write; reported once written.
    var pending = TaskStore.PendingWrites()
    var unreported: [RunProgress] = []

    /// `invoke_workflow NAME`, with a span per step under it, one per attempt under its step.
    var runSpan = HostSpan.none
    var stepSpans: [Int: HostSpan] = [:]
    var attemptSpans: [Int: HostSpan] = [:]

    /// A new run, written with its first steps when `newRun` is given, else in memory.
    convenience init(orchestrator: Orchestrator, plan: WorkflowPlan, options: RunOptions, newRun: TaskStore.NewRun?) {
        self.init(orchestrator: orchestrator, plan: plan, options: options, runID: nil, mainTaskID: nil, persistent: newRun != nil)
        self.newRun = newRun
    }

    /// Run `id`, already in the store.
    convenience init(orchestrator: Orchestrator, plan: WorkflowPlan, options: RunOptions, resuming id: Int64, mainTaskID: Int64?) {
        self.init(orchestrator: orchestrator, plan: plan, options: options, runID: id, mainTaskID: mainTaskID, persistent: true)
    }

    private init(orchestrator: Orchestrator, plan: WorkflowPlan, options: RunOptions, runID: Int64?, mainTaskID: Int64?, persistent: Bool) {
        self.orchestrator = orchestrator
        self.plan = plan
        self.options = options
        self.runID = runID
        self.mainTaskID = mainTaskID
        self.persistent = persistent
        cancellation = options.cancellation ?? CancellationToken()
        context = options.context ?? SharedContext()
        let budget = orchestrator.runtime.host.policy.budgets.run.overlaid(with: plan.workflow.budget)
        let store = persistent ? orchestrator.runtime.store : nil
        if let runID, let store, let resumed = try? WorkLedger.resuming(run: runID, budget: budget, store: store) {
            ledger = resumed
        } else {
            ledger = WorkLedger(budget: budget, store: store, runID: runID)
        }
        concurrency = min(plan.workflow.concurrency, orchestrator.limits.tightened(by: plan.workflow.limits).maxConcurrency ?? .max)
        perAgentLimit = plan.workflow.limits.perAgentConcurrency
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
        waitingOn = plan.steps.map(\.dependencyCount)
        ready = plan.steps.indices.filter { waitingOn[$0] == 0 }
    }

    /// Takes the state of a resumed run from its checkpoints and attempts.
    func restore(checkpoints: [StepCheckpoint], attempts stored: [StepAttempt]) {
        for attempt in stored where attempt.outcome != .running {
            guard let step = plan.index[attempt.step] else { continue }
            // An interrupted attempt is not counted against max_attempts, but
            // the step moves on to the next agent: the one it was on may be
            // what took the host down.
            if attempt.outcome != .interrupted { attempts[step] += 1 }
            if attempt.outcome != .completed { nextCandidate[step] += 1 }
        }
        retries = attempts.reduce(0) { $0 + max(0, $1 - 1) }
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
            waitingOn[step] = Set(plan.steps[step].needs + plan.steps[step].after).count { !isEnded($0) }
        }
        ready = plan.steps.indices.filter { waitingOn[$0] == 0 && phase[$0] == .waiting }
    }

    /// The run was cancelled: by its caller, or by a signal to the host.
    var isCancelled: Bool { cancellation.isCancelled || runtime.host.isStopping }

    func isEnded(_ step: Int) -> Bool { phase[step] == .completed || phase[step] == .failed || phase[step] == .skipped }

    // MARK: - The loop

    func execute() throws(StoreError) -> RunReport {
        runSpan = HostSpan.start("invoke_workflow \(plan.workflow.name)", parent: options.traceContext) { attributes in
            attributes["gen_ai.operation.name"] = "invoke_workflow"
            attributes["gen_ai.workflow.name"] = plan.workflow.name
            attributes["agenthost.run.mode"] = plan.workflow.mode.rawValue
            attributes["agenthost.run.steps"] = plan.steps.count
            if let runID { attributes["agenthost.run.id"] = Int(runID) }
        }
        do {
            let report = try loop()
            runSpan.set { attributes in
                if let id = report.runID { attributes["agenthost.run.id"] = Int(id) }
                attributes["agenthost.run.status"] = report.status.rawValue
                attributes["agenthost.run.retries"] = report.retries
            }
            if report.status != .completed { runSpan.fail(report.status.rawValue, report.error ?? report.status.rawValue) }
            endOpenSpans()
            return report
        } catch {
            runSpan.fail("store", error.description)
            endOpenSpans()
            throw error
        }
    }

    private func endOpenSpans() {
        for span in attemptSpans.values { span.end() }
        for span in stepSpans.values { span.end() }
        attemptSpans.removeAll()
        stepSpans.removeAll()
        runSpan.end()
    }

    private func loop() throws(StoreError) -> RunReport {
        while true {
            var batch: [Done] = []
            if stopReason == nil, !isCancelled {
                batch = try launchReady()
            }
            if batch.isEmpty {
                // Steps that became ready while others failed or were skipped get their turn first.
                if !ready.isEmpty, !readyAllHeld, inFlight < concurrency, stopReason == nil, !isCancelled { continue }
                if inFlight == 0 { break }
                // Nothing will start before something ends: write what ended now.
                try flush()
                batch = inbox.wait()
            } else if inFlight > 0 {
                batch += inbox.drain()
            }
            handle(batch)
        }
        return try finish()
    }

    /// Writes the pending endings on their own, then reports them.
    func flush() throws(StoreError) {
        if let store {
            if let newRun {
                // Nothing started (every step failed before its agent): the run is written now.
                let begun = try store.beginAttempts([], run: newRun, runID: nil, after: pending)
                (runID, mainTaskID, self.newRun) = (begun.run, begun.mainTask, nil)
            } else {
                let span = commitSpan()
                try store.flush(pending)
                span.end()
            }
        }
        written()
    }

    /// `checkpoint commit` under the run, when the next write carries checkpoints.
    func commitSpan() -> HostSpan {
        guard HostSpan.isEnabled else { return .none }
        let steps = pending.checkpoints.map(\.step) + pending.ends.compactMap { $0.checkpoint?.step }
        guard !steps.isEmpty else { return .none }
        return HostSpan.start("checkpoint commit", parent: runSpan.context) { attributes in
            attributes["agenthost.checkpoint.steps"] = steps.joined(separator: ",")
            attributes["agenthost.checkpoint.count"] = steps.count
        }
    }

    /// The pending endings are in the store: report them.
    func written() {
        pending = TaskStore.PendingWrites()
        if let progress = options.progress { for event in unreported { progress(event) } }
        unreported.removeAll(keepingCapacity: true)
    }

    /// Starts the ready steps the concurrency bound allows. Returns what
    /// already ended: attempts that failed before their agent was called,
    /// and the attempt run on this thread.
    private func launchReady() throws(StoreError) -> [Done] {
        var ended: [Done] = []
        // A step whose needs did not all complete cannot run.
        var index = 0
        while index < ready.count {
            let step = ready[index]
            if let failed = plan.steps[step].needs.first(where: { phase[$0] != .completed }) {
                ready.remove(at: index)
                let reason = "needs '\(plan.steps[failed].spec.id)', which \(phase[failed] == .skipped ? "was skipped" : "failed")"
                pending.checkpoints.append(end(step, as: .skipped, error: reason))
                unreported.append(.skipped(step: plan.steps[step].spec.id, reason: reason))
            } else {
                index += 1
            }
        }

        let room = concurrency - inFlight
        guard room > 0, !ready.isEmpty else { return ended }
        if ready.count > 1 {
            ready.sort { plan.steps[$0].spec.priority != plan.steps[$1].spec.priority
                ? plan.steps[$0].spec.priority > plan.steps[$1].spec.priority : $0 < $1 }
        }
        var launching: [Int] = []
        var held: [Int] = []
        for step in ready {
            guard launching.count < room else { held.append(step); continue }
            if let limit = perAgentLimit {
                let agent = candidate(for: step).agent
                guard inFlightByAgent[agent, default: 0] < limit else { held.append(step); continue }
                inFlightByAgent[agent, default: 0] += 1
            }
            launching.append(step)
        }
        ready = held
        readyAllHeld = launching.isEmpty && !held.isEmpty

        var starts: [TaskStore.NewTask] = []
        var prepared: [(step: Int, attempt: Int, candidate: WorkflowPlan.Candidate, preparation: AgentRuntime.Preparation, payload: [UInt8])] = []
        for step in launching {
            let planned = plan.steps[step]
            let candidate = candidate(for: step)
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
                if perAgentLimit != nil { inFlightByAgent[candidate.agent, default: 1] -= 1 }
                pending.checkpoints.append(end(step, as: .failed, error: error.problem))
                stopIfStrict(step, error.problem)
                continue
            }
            if HostSpan.isEnabled {
                if stepSpans[step] == nil {
                    stepSpans[step] = HostSpan.start("step \(planned.spec.id)", parent: runSpan.context) { attributes in
                        attributes["agenthost.step"] = planned.spec.id
                    }
                }
                attemptSpans[step] = HostSpan.start("attempt \(planned.spec.id)#\(attempts[step])", parent: stepSpans[step]?.context) { attributes in
                    attributes["agenthost.step"] = planned.spec.id
                    attributes["agenthost.attempt"] = attempts[step]
                    attributes["agenthost.attempt.agent"] = candidate.agent
                    attributes["agenthost.attempt.alternative"] = candidate.alternative
                }
            }
            var request = TaskRequest(candidate.target, payload: payload, state: planned.spec.state, timeout: planned.timeout,
                                      cancellation: cancellation, context: context)
            request.traceContext = attemptSpans[step]?.context
            if let report = options.stepProgress {
                let id = planned.spec.id
                request.progress = { report(id, $0) }
            }
            request.agents = [candidate.agent]
            request.routedCapability = candidate.routedCapability
            request.parentID = mainTaskID
            request.origin = .workflow
            request.runID = runID
            request.step = planned.spec.id
            request.ledger = ledger
            let preparation = runtime.prepare(request, startedAs: .inProgress)
            var row: TaskStore.NewTask = switch preparation {
            case .ready(let ready): ready.row
            case .failed(let row, let error, _): AgentRuntime.failedRow(row, error)
            }
            row.attempt = attempts[step]
            row.alternative = candidate.alternative
            starts.append(row)
            prepared.append((step, attempts[step], candidate, preparation, payload))
        }
        guard !prepared.isEmpty else { return ended }
        // The endings handled last round and these starts (and a new run) commit together.
        var ids = [Int64](repeating: 0, count: starts.count)
        if let store {
            let span = commitSpan()
            let begun = try store.beginAttempts(starts, run: newRun, runID: runID, after: pending)
            span.end()
            if newRun != nil { (runID, mainTaskID, newRun) = (begun.run, begun.mainTask, nil) }
            if let runID { ledger.bind(runID: runID) }
            ids = begun.tasks
        }
        written()

        var jobs: [Job] = []
        for (item, id) in zip(prepared, ids) {
            let spec = plan.steps[item.step].spec
            options.progress?(.started(step: spec.id, attempt: item.attempt, agent: item.candidate.agent))
            let question = Question(target: item.candidate.target, payload: item.payload)
            switch item.preparation {
            case .failed(_, let error, let events):
                ended.append(Done(step: item.step, attempt: item.attempt, agent: item.candidate.agent, taskID: id,
                                  question: question, completion: nil, events: events, problem: error.description, rejected: false,
                                  dispatched: false, waitedMicroseconds: 0, microseconds: 0))
            case .ready(let ready):
                var resources = spec.resources
                if orchestrator.limits.perAgentConcurrency != nil { resources.append(Orchestrator.agentPool(item.candidate.agent)) }
                if orchestrator.limits.maxConcurrency != nil { resources.append(Orchestrator.stepPool) }
                var ready = ready
                ready.row.runID = runID
                jobs.append(Job(step: item.step, attempt: item.attempt, agent: item.candidate.agent, ready: ready, taskID: id,
                                question: question, resources: resources, priority: spec.priority,
                                verification: spec.verify, stepID: spec.id, runID: runID))
            }
        }
        // One job runs here at once; the others go to a queue that workers and
        // this thread both take from, so quick jobs finish here before a
        // worker has even woken, and slow ones still run side by side.
        guard let first = jobs.popLast() else { return ended }
        if !jobs.isEmpty {
            inFlight += jobs.count
            inbox.offer(jobs)
            // Steps whose agents declare they answer within 50 µs are not worth
            // a thread switch: this thread runs them all. Otherwise one worker
            // is woken, and each worker that finds a job wakes the next.
            let quick = jobs.allSatisfy { ($0.ready.decision.candidate.capability.estimatedMilliseconds ?? .infinity) <= 0.05 }
            if !quick { Self.wakeWorker(orchestrator.workers, runtime: runtime, leases: orchestrator.leases, inbox: inbox) }
        }
        ended.append(first.perform(runtime: runtime, leases: orchestrator.leases))
        if !jobs.isEmpty {
            while let job = inbox.takeJob() {
                inFlight -= 1
                ended.append(job.perform(runtime: runtime, leases: orchestrator.leases))
            }
        }
        return ended
    }

    private static func wakeWorker(_ queue: DispatchQueue, runtime: AgentRuntime, leases: LeaseManager, inbox: Inbox) {
        queue.async {
            guard let job = inbox.takeJob() else { return }
            if inbox.hasJobs { wakeWorker(queue, runtime: runtime, leases: leases, inbox: inbox) }
            var done = job.perform(runtime: runtime, leases: leases)
            done.dispatched = true
            inbox.push(done)
        }
    }

    /// The candidate the step's next attempt uses.
    private func candidate(for step: Int) -> WorkflowPlan.Candidate {
        let candidates = plan.steps[step].candidates
        return candidates[nextCandidate[step] % candidates.count]
    }

    /// Records how the attempts of `batch` ended, with their checkpoints, to
    /// be written with the run's next write (before any step that uses them
    /// starts), and moves their steps on: completed, retried on the next
    /// candidate, or failed.
    private func handle(_ batch: [Done]) {
        readyAllHeld = false
        for done in batch {
            if done.dispatched { inFlight -= 1 }
            if perAgentLimit != nil { inFlightByAgent[done.agent, default: 1] -= 1 }
            let planned = plan.steps[done.step]
            let id = planned.spec.id
            if done.waitedMicroseconds > 1000 {
                pending.events.append(RunEvent(runId: runID, kind: .leaseWaited, step: id,
                                       detail: "waited \(done.waitedMicroseconds / 1000) ms for \(done.resourcesDescription)"))
            }
            let outcome: StepAttempt.Outcome = done.problem == nil ? .completed : (done.rejected ? .rejected : .failed)
            if let span = attemptSpans.removeValue(forKey: done.step) {
                span.set { $0["agenthost.attempt.outcome"] = outcome.rawValue }
                if let problem = done.problem { span.fail(outcome.rawValue, problem) }
                span.end()
            }
            var ending = TaskStore.AttemptEnd(taskID: done.taskID, finish: done.completion?.finish, events: done.completion?.events ?? done.events,
                                           outcome: outcome, reason: done.problem, checkpoint: nil)
            if outcome == .completed {
                let result = done.completion?.outcome.result ?? []
                checkpointCount += 1
                if let runID {
                    ending.checkpoint = StepCheckpoint(runId: runID, step: id, status: .completed, result: Data(result), error: nil,
                                                       agent: done.agent, taskId: done.taskID, attempts: attempts[done.step],
                                                       checkpoint: checkpointCount, finishedUs: WallClock.microseconds())
                }
                results[done.step] = result
                agents[done.step] = done.agent
                taskIDs[done.step] = done.taskID
                questions[done.step] = done.question
                phase[done.step] = .completed
                stepEnded(done.step)
            } else if isCancelled {
                // Cut short, not failed: no checkpoint, so a resume runs the step again, on the same agent.
                ending.outcome = .interrupted
                ending.reason = "cancelled before it ended: \(done.problem!)"
                phase[done.step] = .waiting
                pending.ends.append(ending)
                unreported.append(.ended(step: id, attempt: done.attempt, agent: done.agent, outcome: .interrupted, problem: ending.reason,
                                         microseconds: done.microseconds))
                continue
            } else if attempts[done.step] < planned.maxAttempts, retries < plan.workflow.retryBudget, stopReason == nil {
                retries += 1
                nextCandidate[done.step] += 1
                let next = planned.candidates[nextCandidate[done.step] % planned.candidates.count]
                let alternative = next.alternative == 0 ? "" : " (alternative \(next.alternative): \(next.target))"
                let detail = "attempt \(done.attempt) by '\(done.agent)' \(outcome == .rejected ? "was rejected" : "failed"): \(done.problem!); "
                    + "back to checkpoint \(checkpointCount); trying '\(next.agent)'\(alternative)"
                pending.events.append(RunEvent(runId: runID, kind: .backtracked, step: id, detail: detail))
                phase[done.step] = .waiting
                ready.append(done.step)
                unreported.append(.ended(step: id, attempt: done.attempt, agent: done.agent, outcome: outcome, problem: done.problem,
                                         microseconds: done.microseconds))
                unreported.append(.backtracked(step: id, checkpoint: checkpointCount, next: next.agent))
                pending.ends.append(ending)
                continue
            } else {
                var reason = done.problem!
                if attempts[done.step] >= planned.maxAttempts, attempts[done.step] > 1 {
                    reason = "all \(attempts[done.step]) attempts failed; the last: \(reason)"
                } else if retries >= plan.workflow.retryBudget, attempts[done.step] < planned.maxAttempts {
                    reason = "the run's retry budget (\(plan.workflow.retryBudget)) is spent; the last attempt: \(reason)"
                }
                agents[done.step] = done.agent
                taskIDs[done.step] = done.taskID
                ending.checkpoint = end(done.step, as: .failed, error: reason, agent: done.agent, taskID: done.taskID)
                stopIfStrict(done.step, reason)
            }
            pending.ends.append(ending)
            unreported.append(.ended(step: id, attempt: done.attempt, agent: done.agent, outcome: outcome, problem: done.problem,
                                     microseconds: done.microseconds))
        }
    }

    /// Records the end of a step that will not complete, and lets its dependents move.
    func end(_ step: Int, as status: StepStatus, error: String, agent: String? = nil, taskID: Int64? = nil) -> StepCheckpoint {
        phase[step] = status == .failed ? .failed : .skipped
        errors[step] = error
        checkpointCount += 1
        stepEnded(step)
        return StepCheckpoint(runId: runID ?? 0, step: plan.steps[step].spec.id, status: status, result: nil, error: error, agent: agent,
                              taskId: taskID, attempts: attempts[step], checkpoint: checkpointCount, finishedUs: WallClock.microseconds())
    }

    private func stepEnded(_ step: Int) {
        if let span = stepSpans.removeValue(forKey: step) {
            if phase[step] != .completed { span.fail(phase[step] == .skipped ? "skipped" : "failed", errors[step] ?? "the step did not complete") }
            span.end()
        }
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

/// Jobs waiting for a thread, and completed attempts handed from workers
/// to the coordinator.
final class Inbox: Sendable {
    private let items = Mutex<[RunExecution.Done]>([])
    private let jobs = Mutex<[RunExecution.Job]>([])
    private let signal = DispatchSemaphore(value: 0)

    func offer(_ more: [RunExecution.Job]) { jobs.withLock { $0 += more } }

    /// A job no thread has taken yet, if any.
    func takeJob() -> RunExecution.Job? { jobs.withLock { $0.popLast() } }

    var hasJobs: Bool { jobs.withLock { !$0.isEmpty } }

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
