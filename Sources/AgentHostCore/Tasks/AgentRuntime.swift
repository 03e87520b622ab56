import Foundation
import Logging

/// Runs tasks: routes each, walks its agent through the state machine, calls
/// it under the guardrails, carries out the DELEGATE actions and handoffs of
/// its reply, and writes every change of status to the store before it is
/// reported to the caller.
public final class AgentRuntime: Sendable {
    public let host: AgentHost
    public let store: TaskStore
    let logger = Logger(label: "agenthost.runtime")

    public init(host: AgentHost, store: TaskStore) {
        self.host = host
        self.store = store
    }

    /// Runs `request` to the end and returns how it ended. Throws only when
    /// the store cannot be written, in which case nothing is reported.
    public func run(_ request: TaskRequest) throws(StoreError) -> TaskOutcome {
        try run(request, chain: nil)
    }

    func run(_ request: TaskRequest, chain: HandoffChain?) throws(StoreError) -> TaskOutcome {
        let created = WallClock.microseconds()
        var row = TaskStore.NewTask(parentID: request.parentID, origin: request.origin, capability: nil, query: nil,
                                    payload: request.payload, agentState: .idle, status: .inProgress, createdUs: created)
        switch request.target {
        case .capability(let name): row.capability = name
        case .text(let text): row.query = text
        }

        let decision: RouteDecision
        do throws(RoutingError) {
            decision = try route(request)
        } catch {
            return try fail(row, .routing(error), events: [])
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
                return try fail(row, .state(error), events: [])
            }
            state = next
        }
        row.agentState = state

        // Screen the input before it is stored, so a secret never reaches the file.
        let screened = host.screenInput(decision.candidate, payload: request.payload)
        var events = screened.events
        guard case .success(let payload) = screened.result else {
            // The payload that tripped is not stored: it may be the very secret.
            row.payload = []
            if case .failure(let trip) = screened.result { return try fail(row, .call(.guardrail(trip)), events: events) }
            fatalError("unreachable")
        }
        row.payload = payload
        row.startedUs = WallClock.microseconds()
        let id = try store.insert([row])[0]

        var options = CallOptions(taskID: String(id), state: state, timeout: request.timeout, cancellation: request.cancellation,
                                  context: request.context, progress: request.progress)
        options.inputScreened = true
        let attempt = host.attempt(decision.candidate, payload: payload, options: options, parent: nil)
        events += attempt.events

        let response: AgentResponse
        switch attempt.result {
        case .failure(let error):
            return try finish(id, row, error: .call(error), events: events)
        case .success(let value):
            response = value
        }

        var children: [TaskOutcome] = []
        // DELEGATE actions in a text reply become tasks of their own.
        if DelegateParser.mayContainAction(response.body), !Self.looksLikeJSON(response.body) {
            do throws(TaskError) {
                children += try runDelegations(in: response, from: id, state: state)
            } catch {
                return try finish(id, row, error: error, events: events)
            }
        }
        // A handoff passes the task on; its last agent's answer is the task's.
        if let handoff = response.handoffs.first {
            for ignored in response.handoffs.dropFirst() {
                events.append(TaskEvent(taskId: nil, kind: .handoffRefused, agent: decision.agent,
                                        detail: "ignored a second handoff, to '\(ignored.target)': one task goes to one agent at a time"))
            }
            var chain = chain ?? HandoffChain(first: decision.agent, payload: payload, limit: host.policy.handoffDepthLimit)
            let next: RouteCandidate, context: [UInt8]
            do throws(HandoffError) {
                (next, context) = try prepare(handoff, from: decision, chain: &chain)
            } catch {
                return try finish(id, row, error: .handoff(error), events: events + [.refusedHandoff(error, agent: decision.agent)])
            }
            events.append(TaskEvent(taskId: nil, kind: .handoff, agent: decision.agent,
                                    detail: "handed off to '\(handoff.target)' (\(next.capability.name)) at depth \(chain.depth): \(handoff.reason)"))
            var forward = TaskRequest(.capability(next.capability.name), payload: context, state: request.state,
                                      timeout: request.timeout, cancellation: request.cancellation, context: request.context)
            forward.agents = [handoff.target]
            forward.parentID = id
            forward.origin = .handoff
            let child = try run(forward, chain: chain)
            children.append(child)
            return try finish(id, row, child: child, children: children, events: events)
        }
        try store.finish([.init(id: id, status: .completed, agentState: .done, result: response.body, error: nil,
                                finishedUs: WallClock.microseconds())], events: events.map { $0.on(id) })
        return TaskOutcome(id: id, status: .completed, agent: decision.agent, capability: decision.capability,
                           routeReason: decision.reason, result: response.body, error: nil, children: children)
    }

    func route(_ request: TaskRequest) throws(RoutingError) -> RouteDecision {
        switch request.target {
        case .capability(let name):
            if let agents = request.agents {
                guard let candidate = agents.lazy.compactMap({ self.host.router.candidate(agent: $0, capability: name) }).first else {
                    throw .noAgent(capability: name, suggestions: [])
                }
                return RouteDecision(reason: "handed to '\(candidate.plugin.id)', which declares '\(name)'", ranking: [],
                                     candidate: candidate)
            }
            return try host.router.route(capability: name)
        case .text(let text):
            return try host.router.route(text: text, among: request.agents)
        }
    }

    // MARK: - Ending a task

    /// A task that failed before it started: one write, already finished.
    private func fail(_ row: TaskStore.NewTask, _ error: TaskError, events: [TaskEvent]) throws(StoreError) -> TaskOutcome {
        var row = row
        let now = WallClock.microseconds()
        row.status = error.status
        row.error = error.description
        row.agentState = row.agent == nil ? nil : .failed
        row.startedUs = row.agent == nil ? nil : now
        row.finishedUs = now
        let id = try store.insert([row], events: events.map { (0, $0) })[0]
        return TaskOutcome(id: id, status: row.status, agent: row.agent, capability: row.routedCapability,
                           routeReason: row.routeReason, result: nil, error: error, children: [])
    }

    private func finish(_ id: Int64, _ row: TaskStore.NewTask, error: TaskError, events: [TaskEvent],
                        children: [TaskOutcome] = []) throws(StoreError) -> TaskOutcome {
        try store.finish([.init(id: id, status: error.status, agentState: .failed, result: nil, error: error.description,
                                finishedUs: WallClock.microseconds())], events: events.map { $0.on(id) })
        return TaskOutcome(id: id, status: error.status, agent: row.agent, capability: row.routedCapability,
                           routeReason: row.routeReason, result: nil, error: error, children: children)
    }

    /// Ends a task whose agent handed it off: it ends as the chain ended.
    private func finish(_ id: Int64, _ row: TaskStore.NewTask, child: TaskOutcome, children: [TaskOutcome],
                        events: [TaskEvent]) throws(StoreError) -> TaskOutcome {
        let error = child.error.map { _ in "handoff to '\(child.agent ?? "?")' (task \(child.id)) failed: \(child.error!.description)" }
        try store.finish([.init(id: id, status: child.status, agentState: child.status == .completed ? .done : .failed,
                                result: child.result, error: error, finishedUs: WallClock.microseconds())],
                         events: events.map { $0.on(id) })
        return TaskOutcome(id: id, status: child.status, agent: row.agent, capability: row.routedCapability,
                           routeReason: row.routeReason, result: child.result, error: child.error, children: children)
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
