import Tracing
extension AgentRuntime {
    /// Runs the DELEGATE actions of an agent's text reply, each as a child
    /// task of `parentID`. Allowed in EXECUTING only.
    func runDelegations(in response: AgentResponse, from parentID: Int64?, state: AgentState, ledger: WorkLedger? = nil,
                        traceContext: InstrumentationContext? = nil) throws(TaskError) -> [TaskOutcome] {
        guard state == .executing else { throw .delegateOutsideExecuting(agent: response.agent, state: state) }
        return try runActions(in: response.text, parentID: parentID, ledger: ledger, traceContext: traceContext)
    }

    /// Runs the DELEGATE actions of `message`, as `agenthost delegate` does
    /// with a message from a person or another program.
    public func runDelegations(in message: String) throws(TaskError) -> [TaskOutcome] {
        try runActions(in: message, parentID: nil, requireOne: true)
    }

    /// Parses `text` and runs each action as a task of its own, routed by its
    /// TASK text among the agents of its AGENT_TYPE, the TASK in the
    /// capability's text input (`{"query": TASK}` for knowledge.search). Every
    /// block is checked, routed and its input checked before any task runs.
    private func runActions(in text: String, parentID: Int64?, requireOne: Bool = false, ledger: WorkLedger? = nil,
                            traceContext: InstrumentationContext? = nil) throws(TaskError) -> [TaskOutcome] {
        let actions: [DelegateAction]
        do throws(DelegateParseError) {
            actions = try DelegateParser.parse(text)
        } catch {
            throw .delegate(error)
        }
        if requireOne, actions.isEmpty {
            throw .delegate(DelegateParseError(line: 1, problem: "the message holds no ACTION: DELEGATE block"))
        }
        var requests = try actions.map { action throws(TaskError) in try request(for: action, parentID: parentID) }
        for index in requests.indices { requests[index].ledger = ledger }
        var outcomes: [TaskOutcome] = []
        for (action, var request) in zip(actions, requests) {
            let span = HostSpan.start("delegate \(action.agentType)", parent: traceContext) { attributes in
                attributes["agenthost.delegate.agent_type"] = action.agentType
                attributes["agenthost.delegate.kind"] = "action"
            }
            request.traceContext = span.context ?? traceContext
            do throws(StoreError) {
                let outcome = try run(request)
                if outcome.status != .completed { span.fail(outcome.status.rawValue, outcome.error?.description ?? outcome.status.rawValue) }
                span.end()
                outcomes.append(outcome)
            } catch {
                span.fail("store", error.description)
                span.end()
                throw .store(error)
            }
        }
        return outcomes
    }

    private func request(for action: DelegateAction, parentID: Int64?) throws(TaskError) -> TaskRequest {
        let types = host.router.agentTypes
        guard let agents = types[action.agentType.lowercased()] else {
            let known = types.keys.sorted()
            let close = known.filter { EditDistance.between($0, action.agentType.lowercased()) <= 2 }
            let hint = close.isEmpty ? "" : " (did you mean \(close.map { "'\($0)'" }.joined(separator: ", "))?)"
            throw .delegate(DelegateParseError(line: action.agentTypeLine,
                                               problem: "unknown agent type '\(action.agentType)'\(hint); known types: \(known.joined(separator: ", "))"))
        }
        // Routed and checked now, so a block no agent of its type can take fails before any task runs.
        guard host.router.takesWords(agents) else {
            let names = agents.flatMap { host.router.candidates(agent: $0) }.map(\.capability.name).sorted()
            throw .delegate(DelegateParseError(line: action.agentTypeLine, problem: "agent type '\(action.agentType)' has no capability that takes a task "
                + "in words (\(names.joined(separator: ", ")) take\(names.count == 1 ? "s its" : " their") input as fields), so a DELEGATE TASK cannot reach it"))
        }
        let decision: RouteDecision
        do throws(RoutingError) {
            decision = try host.router.route(delegated: action.task, among: agents)
        } catch {
            throw .delegate(DelegateParseError(line: action.taskLine, problem: "TASK: \(error.description)"))
        }
        let capability = decision.candidate.capability
        let problems = capability.inputProblems(capability.input(.object([:]), withWords: action.task))
        guard problems.isEmpty else {
            throw .delegate(DelegateParseError(line: action.taskLine, problem: "'\(capability.name)' cannot take this TASK alone: "
                + problems.map(\.description).joined(separator: "; ")))
        }
        var request = TaskRequest(.text(action.task))
        // Routed once, here: the task runs on the agent and capability that were checked.
        request.agents = [decision.agent]
        request.routedCapability = decision.capability
        request.routedReason = decision.reason
        request.parentID = parentID
        request.origin = .delegated
        return request
    }
}
