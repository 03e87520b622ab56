import Synchronization

/// How many tasks each loaded agent has in flight, for routing by load.
/// One counter per plugin, indexed by the plugin's position in the registry.
final class AgentLoad: Sendable {
    private final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }

    private let counters: [Counter]

    init(agentCount: Int) {
        counters = (0..<agentCount).map { _ in Counter() }
    }

    func inFlight(_ agent: Int) -> Int { counters[agent].value.load(ordering: .relaxed) }

    func begin(_ agent: Int) { counters[agent].value.add(1, ordering: .relaxed) }

    func end(_ agent: Int) { counters[agent].value.subtract(1, ordering: .relaxed) }
}
