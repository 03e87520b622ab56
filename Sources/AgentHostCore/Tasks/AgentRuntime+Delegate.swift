import Foundation

extension AgentRuntime {
    /// Parses the DELEGATE actions of an agent's text reply and runs each as
    /// a task of its own, routed by its TASK text among the agents of its
    /// AGENT_TYPE. The payload each receives is `{"task": TEXT, "from": AGENT}`.
    func runDelegations(in response: AgentResponse, from parentID: Int64, state: AgentState) throws(TaskError) -> [TaskOutcome] {
        guard state == .executing else { throw .delegateOutsideExecuting(agent: response.agent, state: state) }
        let actions: [DelegateAction]
        do throws(DelegateParseError) {
            actions = try DelegateParser.parse(response.text)
        } catch {
            throw .delegate(error)
        }
        let requests = try delegatedRequests(actions, from: response.agent, parentID: parentID)
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

    /// The tasks `actions` ask for; every agent type must be known before any runs.
    func delegatedRequests(_ actions: [DelegateAction], from agent: String, parentID: Int64?) throws(TaskError) -> [TaskRequest] {
        let types = host.router.agentTypes
        var requests: [TaskRequest] = []
        for action in actions {
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
            requests.append(request)
        }
        return requests
    }

    /// Runs the DELEGATE actions of `message`, as `agenthost delegate` does
    /// with a message from a person or another program.
    public func runDelegations(in message: String, from agent: String = "user") throws(TaskError) -> [TaskOutcome] {
        let actions: [DelegateAction]
        do throws(DelegateParseError) {
            actions = try DelegateParser.parse(message)
        } catch {
            throw .delegate(error)
        }
        guard !actions.isEmpty else {
            throw .delegate(DelegateParseError(line: 1, problem: "the message holds no ACTION: DELEGATE block"))
        }
        var outcomes: [TaskOutcome] = []
        for request in try delegatedRequests(actions, from: agent, parentID: nil) {
            do throws(StoreError) {
                outcomes.append(try run(request))
            } catch {
                throw .store(error)
            }
        }
        return outcomes
    }
}
