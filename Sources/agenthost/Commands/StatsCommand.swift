import AgentHostCore
import ArgumentParser
import Foundation

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Show the registered agents and capabilities, and how the stored tasks went: by status, success rate, per agent.")

    @OptionGroup var host: HostOptions

    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let agentHost = try host.makeHost()
        defer { AgentHost.shutdown() }
        let store = try host.openStoreForReading()
        let stats = try store.map { store in try catching { try store.statistics() } } ?? .empty
        if json {
            print(try JSONText.encode(StatsJSON(agentHost: agentHost, stats: stats, store: host.storePath)))
            return
        }
        print("Task database: \(host.storePath)\(store == nil ? " (none yet)" : "")")
        print("Agents (\(agentHost.registry.plugins.count)): \(agentHost.registry.plugins.map(\.id).joined(separator: ", "))")
        print("Capabilities (\(agentHost.registry.capabilities.count)): \(agentHost.registry.capabilities.joined(separator: ", "))")
        let counts = TaskStatus.allCases.map { "\($0.rawValue) \(stats.byStatus[$0] ?? 0)" }.joined(separator: ", ")
        print("Tasks (\(stats.total)): \(counts)")
        print("Success rate: \(stats.successRate.map { String(format: "%.1f%%", $0 * 100) } ?? "no finished tasks yet")")
        let usage = try store.map { store in try catching { try store.modelUsage() } } ?? []
        defer {
            let lines = ModelUsageReport.lines(usage)
            if !lines.isEmpty { print("\n" + lines.joined(separator: "\n")) }
        }
        guard !stats.agents.isEmpty else { return }
        print("\nagent                          finished  completed  failed  cancelled     p50       p95       p99")
        for agent in stats.agents {
            let latency = agent.latency.map { [$0.p50, $0.p95, $0.p99].map { TaskReport.format(micros: $0).padding(toLength: 10, withPad: " ", startingAt: 0) }.joined() } ?? "-"
            print(agent.id.padding(toLength: 30, withPad: " ", startingAt: 0)
                  + " \(pad(agent.finished, 8))  \(pad(agent.completed, 9))  \(pad(agent.failed, 6))  \(pad(agent.cancelled, 9))     \(latency)")
        }
    }

    private func pad(_ number: Int, _ width: Int) -> String {
        let text = String(number)
        return String(repeating: " ", count: max(0, width - text.count)) + text
    }
}

private struct StatsJSON: Encodable {
    struct Agent: Encodable {
        var id: String
        var completed: Int
        var failed: Int
        var cancelled: Int
        var p50_us: Int64?
        var p95_us: Int64?
        var p99_us: Int64?
    }

    var database: String
    var agents: [String]
    var capabilities: [String]
    var tasks_by_status: [String: Int]
    var success_rate: Double?
    var per_agent: [Agent]

    init(agentHost: AgentHost, stats: TaskStatistics, store: String) {
        database = store
        agents = agentHost.registry.plugins.map(\.id)
        capabilities = agentHost.registry.capabilities
        tasks_by_status = Dictionary(uniqueKeysWithValues: TaskStatus.allCases.map { ($0.rawValue, stats.byStatus[$0] ?? 0) })
        success_rate = stats.successRate
        per_agent = stats.agents.map {
            Agent(id: $0.id, completed: $0.completed, failed: $0.failed, cancelled: $0.cancelled,
                  p50_us: $0.latency?.p50, p95_us: $0.latency?.p95, p99_us: $0.latency?.p99)
        }
    }
}
