import Foundation

extension AgentRuntime {
    /// Runs the DELEGATE actions of an agent's text reply, each as a child
    /// task of `parentID`. Allowed in EXECUTING only.
    func runDelegations(in response: AgentResponse, from parentID: Int64?, state: AgentState) throws(TaskError) -> [TaskOutcome] {
        guard state == .executing else { throw .delegateOutsideExecuting(agent: response.agent, state: state) }
        return try runActions(in: response.text, from: response.agent, parentID: parentID)
    }

    /// Runs the DELEGATE actions of `message`, as `agenthost delegate` does
    /// with a message from a person or another program.
    public func runDelegations(in message: String, from agent: String = "user") throws(TaskError) -> [TaskOutcome] {
        try runActions(in: message, from: agent, parentID: nil, requireOne: true)
    }

    /// Parses `text` and runs each action as a task of its own, routed by its
    /// TASK text among the agents of its AGENT_TYPE, with the payload
    /// `{"task": TEXT, "from": AGENT}`. Every block is checked, and every
    /// agent type resolved, before any task runs.
    private func runActions(in text: String, from agent: String, parentID: Int64?, requireOne: Bool = false) throws(TaskError) -> [TaskOutcome] {
        let actions: [DelegateAction]
        do throws(DelegateParseError) {
            actions = try DelegateParser.parse(text)
        } catch {
            throw .delegate(error)
        }
        if requireOne, actions.isEmpty {
            throw .delegate(DelegateParseError(line: 1, problem: "the message holds no ACTION: DELEGATE block"))
        }
        let requests = try actions.map { action throws(TaskError) in try request(for: action, from: agent, parentID: parentID) }
        var outcomes: [TaskOutcome] = []
        for request in requests {
            do throws(StoreError) {
                outcomes.append(try run(request))
            } catch {
                throw .store(error)
            }
        }
        return outcomes
    }

    private func request(for action: DelegateAction, from agent: String, parentID: Int64?) throws(TaskError) -> TaskRequest {
        let types = host.router.agentTypes
        guard let agents = types[action.agentType.lowercased()] else {
            let known = types.keys.sorted()
            let close = known.filter { EditDistance.between($0, action.agentType.lowercased()) <= 2 }
            let hint = close.isEmpty ? "" : " (did you mean \(close.map { "'\($0)'" }.joined(separator: ", "))?)"
            throw .delegate(DelegateParseError(line: action.agentTypeLine,
                                               problem: "unknown agent type '\(action.agentType)'\(hint); known types: \(known.joined(separator: ", "))"))
        }
        let payload = (try? JSONSerialization.data(withJSONObject: ["task": action.task, "from": agent], options: [.sortedKeys]))
            .map { Array($0) } ?? Array("{}".utf8)
        var request = TaskRequest(.text(action.task), payload: payload)
        request.agents = agents
        request.parentID = parentID
        request.origin = .delegated
        return request
    }
}
