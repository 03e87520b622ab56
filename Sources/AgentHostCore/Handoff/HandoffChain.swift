/// The agents a task has passed through by handoff, for the depth limit and
/// cycle detection. Starts with the agent that first ran the task.
struct HandoffChain: Sendable {
    private(set) var agents: [String]
    private var visits: Set<Visit> = []
    let limit: Int

    private struct Visit: Hashable {
        let agent: String
        let context: [UInt8]
    }

    init(first agent: String, payload: [UInt8], limit: Int) {
        agents = [agent]
        visits.insert(Visit(agent: agent, context: payload))
        self.limit = limit
    }

    var depth: Int { agents.count - 1 }

    /// Adds a hop to `target` carrying `context`, or says why it may not happen.
    mutating func admit(_ target: String, context: [UInt8]) throws(HandoffError) {
        let chain = agents + [target]
        guard depth < limit else { throw .depthExceeded(chain: chain, limit: limit) }
        guard visits.insert(Visit(agent: target, context: context)).inserted else { throw .cycle(chain: chain) }
        agents = chain
    }
}
