import Foundation
import Logging

/// Runs tasks: routes each, walks its agent through the state machine, calls
/// it under the guardrails, carries out the DELEGATE actions and handoffs of
/// its reply, and writes every change of status to the store before it is
/// reported to the caller.
///
/// A task goes through three phases: `prepare` (route, state path, input
/// guardrails: no store, no agent), the first write (in progress, or failed
/// if preparing failed), `execute` (the agent call and what its reply asks
/// for), and the last write. `run(batch:)` shares the phases and batches the
/// writes.
public final class AgentRuntime: Sendable {
    public let host: AgentHost
    public let store: TaskStore
    let logger = Logger(label: "agenthost.runtime")

    public init(host: AgentHost, store: TaskStore) {
        self.host = host
        self.store = store
        if host.policy.routing.learn { host.router.learn(from: store) }
    }

    /// Runs `request` to the end and returns how it ended. Throws only when
    /// the store cannot be written, in which case nothing is reported.
    public func run(_ request: TaskRequest) throws(StoreError) -> TaskOutcome {
        try run(request, chain: nil)
    }

    func run(_ request: TaskRequest, chain: HandoffChain?) throws(StoreError) -> TaskOutcome {
        switch prepare(request, startedAs: .inProgress) {
        case .failed(let row, let error, let events):
            return try record(failed: row, error, events: events)
        case .ready(let ready):
            let id = try store.insert([ready.row])[0]
            let completion = try execute(ready, id: id, chain: chain)
            try store.finish([completion.finish], events: completion.events)
            return completion.outcome
        }
    }

    // MARK: - Phases

    /// A task that routed and passed its input guardrails.
    struct Ready: Sendable {
        var row: TaskStore.NewTask
        var request: TaskRequest
        var decision: RouteDecision
        var state: AgentState
        var payload: [UInt8]
        var events: [TaskEvent]
    }

    enum Preparation: Sendable {
        case ready(Ready)
        case failed(TaskStore.NewTask, TaskError, [TaskEvent])
    }

    /// Everything before the agent: route, state path and input guardrails.
    func prepare(_ request: TaskRequest, startedAs status: TaskStatus) -> Preparation {
        let now = WallClock.microseconds()
        var row = TaskStore.NewTask(parentID: request.parentID, origin: request.origin, capability: nil, query: nil,
                                    payload: request.payload, agentState: .idle, status: status, createdUs: now,
                                    runID: request.runID, step: request.step)
        switch request.target {
        case .capability(let name): row.capability = name
        case .text(let text): row.query = text
        }
        let decision: RouteDecision
        do throws(RoutingError) {
            decision = try route(request)
        } catch {
            return .failed(row, .routing(error), [])
        }
        row.agent = decision.agent
        row.routedCapability = decision.capability
        row.routeReason = decision.reason

        // Walk IDLE to the requested state; every step must be a legal move.
        var state = AgentState.idle
        for next in AgentStateMachine.path(to: request.state) {
            do throws(AgentStateError) {
                try AgentStateMachine.move(from: state, to: next, agent: decision.agent)
            } catch {
                return .failed(row, .state(error), [])
            }
            state = next
        }
        row.agentState = state

        // Free text goes into the capability's text input, unless the payload sets it.
        var payload = request.payload
        if case .text(let text) = request.target, decision.candidate.takesWords, let field = decision.candidate.capability.textInput {
            payload = JSONBytes.setting(field: field, toText: text, in: payload)
        }

        // Screen the input before it is stored, so a secret never reaches the file.
        let screened = host.screenInput(decision.candidate, payload: payload)
        switch screened.result {
        case .failure(let trip):
            // The payload that tripped is not stored: it may be the very secret.
            row.payload = []
            HostSpan.trip(trip, parent: request.traceContext)
            return .failed(row, .call(.guardrail(trip)), screened.event.map { [$0] } ?? [])
        case .success(let payload):
            row.payload = payload
            if status == .inProgress { row.startedUs = now }
            return .ready(Ready(row: row, request: request, decision: decision, state: state, payload: payload,
                                events: screened.event.map { [$0] } ?? []))
        }
    }

    /// How a task ended: the row update, its events, and the outcome to report once written.
    struct Completion: Sendable {
        var finish: TaskStore.Finish
        var events: [TaskEvent]
        var outcome: TaskOutcome
    }

    /// Calls the agent of task `id` and carries out what its reply asks for.
    /// Tasks it makes (DELEGATE, handoff) are written as they run.
    /// Its span, `invoke_agent AGENT`, covers the call and what the reply asks for.
    func execute(_ ready: Ready, id: Int64, chain: HandoffChain?) throws(StoreError) -> Completion {
        let decision = ready.decision
        HostMetrics.shared.step(agent: decision.agent, capability: decision.capability)
            .queueWaited(nanoseconds: (WallClock.microseconds() - ready.row.createdUs) * 1000)
        let span = HostSpan.start("invoke_agent \(decision.agent)", parent: ready.request.traceContext) { attributes in
            attributes["gen_ai.operation.name"] = "invoke_agent"
            attributes["gen_ai.agent.name"] = decision.agent
            attributes["gen_ai.agent.id"] = decision.agent
            attributes["agenthost.capability"] = decision.capability
            attributes["agenthost.agent.state"] = ready.state.name
            if id > 0 { attributes["agenthost.task.id"] = Int(id) }
            if let step = ready.request.step { attributes["agenthost.step"] = step }
        }
        do {
            let completion = try perform(ready, id: id, chain: chain, span: span)
            if completion.outcome.status != .completed {
                span.fail(completion.outcome.status.rawValue, completion.finish.error ?? completion.outcome.status.rawValue)
            }
            span.end()
            return completion
        } catch {
            span.fail("store", error.description)
            span.end()
            throw error
        }
    }

    private func perform(_ ready: Ready, id: Int64, chain: HandoffChain?, span: HostSpan) throws(StoreError) -> Completion {
        let request = ready.request, decision = ready.decision
        var options = CallOptions(taskID: String(id), state: ready.state, timeout: request.timeout,
                                  cancellation: request.cancellation, context: request.context, progress: request.progress)
        let ledger = request.ledger ?? WorkLedger(budget: host.policy.budgets.run, store: id > 0 ? store : nil)
        options.ledger = ledger
        options.step = request.step
        options.traceContext = span.context ?? request.traceContext
        let attempt = host.attempt(decision.candidate, payload: ready.payload, options: options, parent: nil, inputScreened: true)
        var events = ready.events + attempt.events

        let response: AgentResponse
        switch attempt.result {
        case .failure(let error):
            return completion(id, ready, error: .call(error), events: events)
        case .success(let value):
            response = value
        }

        var children: [TaskOutcome] = []
        // Id 0 is a step of an in-memory run, which has no row to hang children on.
        let parent: Int64? = id > 0 ? id : nil
        // DELEGATE actions in a text reply become tasks of their own.
        if DelegateParser.mayContainAction(response.body), !Self.looksLikeJSON(response.body) {
            do throws(TaskError) {
                children += try runDelegations(in: response, from: parent, state: ready.state, ledger: ledger, traceContext: options.traceContext)
            } catch {
                return completion(id, ready, error: error, events: events)
            }
        }
        // A handoff passes the task on; its last agent's answer is the task's.
        if let handoff = response.handoffs.first {
            for ignored in response.handoffs.dropFirst() {
                events.append(TaskEvent(taskId: nil, kind: .handoffRefused, agent: decision.agent,
                                        detail: "ignored a second handoff, to '\(ignored.target)': one task goes to one agent at a time"))
            }
            var chain = chain ?? HandoffChain(first: decision.agent, payload: ready.payload, limit: host.policy.handoffDepthLimit)
            let next: RouteCandidate, context: [UInt8]
            do throws(HandoffError) {
                (next, context) = try prepare(handoff, from: decision, chain: &chain)
            } catch {
                return completion(id, ready, error: .handoff(error), events: events + [.refusedHandoff(error, agent: decision.agent)])
            }
            events.append(TaskEvent(taskId: nil, kind: .handoff, agent: decision.agent,
                                    detail: "handed off to '\(handoff.target)' (\(next.capability.name)) at depth \(chain.depth): \(handoff.reason)"))
            var forward = TaskRequest(.capability(next.capability.name), payload: context, state: request.state,
                                      timeout: request.timeout, cancellation: request.cancellation, context: request.context)
            forward.agents = [handoff.target]
            forward.parentID = parent
            forward.origin = .handoff
            forward.ledger = ledger
            let handing = HostSpan.start("handoff \(handoff.target)", parent: options.traceContext) { attributes in
                attributes["agenthost.handoff.from"] = decision.agent
                attributes["agenthost.handoff.to"] = handoff.target
                attributes["agenthost.handoff.depth"] = chain.depth
            }
            forward.traceContext = handing.context ?? options.traceContext
            let child: TaskOutcome
            do {
                child = try run(forward, chain: chain)
            } catch {
                handing.end()
                throw error
            }
            if child.status != .completed { handing.fail(child.status.rawValue, child.error?.description ?? child.status.rawValue) }
            handing.end()
            children.append(child)
            let error = child.error.map { "handoff to '\(child.agent ?? "?")' (task \(child.id)) failed: \($0)" }
            return completion(id, ready, status: child.status, result: child.result, error: child.error, errorText: error,
                              events: events, children: children)
        }
        return completion(id, ready, status: .completed, result: response.body, error: nil, events: events, children: children)
    }

    private func completion(_ id: Int64, _ ready: Ready, error: TaskError, events: [TaskEvent]) -> Completion {
        completion(id, ready, status: error.status, result: nil, error: error, events: events, children: [])
    }

    /// The last write of task `id` and the outcome to report once it is written.
    private func completion(_ id: Int64, _ ready: Ready, status: TaskStatus, result: [UInt8]?, error: TaskError?,
                            errorText: String? = nil, events: [TaskEvent], children: [TaskOutcome]) -> Completion {
        let decision = ready.decision
        HostMetrics.shared.step(agent: decision.agent, capability: decision.capability).taskEnded(status)
        return Completion(
            finish: .init(id: id, status: status, agentState: status == .completed ? .done : .failed, result: result,
                          error: errorText ?? error?.description, finishedUs: WallClock.microseconds()),
            events: events.map { $0.on(id) },
            outcome: TaskOutcome(id: id, status: status, agent: decision.agent, capability: decision.capability,
                                 routeReason: decision.reason, result: result, error: error, children: children))
    }

    /// A task that failed before it started: one write, already finished.
    func record(failed row: TaskStore.NewTask, _ error: TaskError, events: [TaskEvent]) throws(StoreError) -> TaskOutcome {
        let id = try store.insert([Self.failedRow(row, error)], events: events.map { (0, $0) })[0]
        return Self.failedOutcome(id, row, error)
    }

    static func failedRow(_ row: TaskStore.NewTask, _ error: TaskError) -> TaskStore.NewTask {
        var row = row
        let now = WallClock.microseconds()
        row.status = error.status
        row.error = error.description
        row.agentState = row.agent == nil ? nil : .failed
        row.startedUs = row.agent == nil ? nil : now
        row.finishedUs = now
        return row
    }

    static func failedOutcome(_ id: Int64, _ row: TaskStore.NewTask, _ error: TaskError) -> TaskOutcome {
        HostMetrics.shared.step(agent: row.agent ?? "-", capability: row.routedCapability ?? row.capability ?? "-").taskEnded(error.status)
        return TaskOutcome(id: id, status: error.status, agent: row.agent, capability: row.routedCapability,
                    routeReason: row.routeReason, result: nil, error: error, children: [])
    }

    func route(_ request: TaskRequest) throws(RoutingError) -> RouteDecision {
        switch request.target {
        case .capability(let name):
            if let agents = request.agents {
                let found = agents.count == 1
                    ? host.router.candidate(agent: agents.first!, capability: name)
                    : agents.sorted().lazy.compactMap({ self.host.router.candidate(agent: $0, capability: name) }).first
                guard let candidate = found else { throw .noAgent(capability: name, suggestions: []) }
                // The row names the agent and the capability; the reason need not repeat them (and cost a string per task).
                return RouteDecision(reason: "named by the caller: a workflow step, a DELEGATE type or a handoff target",
                                     ranking: [], candidate: candidate)
            }
            return try host.router.route(capability: name)
        case .text(let text):
            if let name = request.routedCapability, let agents = request.agents, agents.count == 1,
               let candidate = host.router.candidate(agent: agents.first!, capability: name) {
                return RouteDecision(reason: request.routedReason ?? "free text routed when the workflow was checked", ranking: [],
                                     candidate: candidate)
            }
            return try host.router.route(text: text, among: request.agents)
        }
    }

    /// What is wrong with `request`'s payload as the input of the capability
    /// it routes to now (a free text's words in their field); empty when it
    /// fits. For callers that take input from people: the CLI checks a task
    /// here before it is stored, with every problem at once.
    public func inputProblems(of request: TaskRequest) throws(RoutingError) -> (capability: String, problems: [JSONSchema.Problem]) {
        let decision = try route(request)
        let capability = decision.candidate.capability
        guard capability.input != nil else { return (capability.name, []) }
        var input: JSONValue
        do throws(JSONValueError) {
            input = try JSONValue(parsing: request.payload)
        } catch {
            return (capability.name, [JSONSchema.Problem(path: "input", message: error.problem)])
        }
        if case .text(let text) = request.target { input = capability.input(input, withWords: text) }
        return (capability.name, capability.inputProblems(input))
    }

    static func looksLikeJSON(_ body: [UInt8]) -> Bool {
        guard let first = body.first(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\t") }) else {
            return false
        }
        return first == UInt8(ascii: "{") || first == UInt8(ascii: "[") || first == UInt8(ascii: "\"")
    }
}

extension TaskEvent {
    static func refusedHandoff(_ error: HandoffError, agent: String) -> TaskEvent {
        TaskEvent(taskId: nil, kind: .handoffRefused, agent: agent, detail: error.description)
    }

    /// The event, attached to task `id`.
    func on(_ id: Int64) -> TaskEvent {
        var event = self
        event.taskId = id
        return event
    }
}
