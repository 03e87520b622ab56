import AgentHostCore
import ArgumentParser

struct RouteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "route",
        abstract: "Show how a task would be routed, best first, without running anything.",
        discussion: """
            With the policy's `routing: { learn: true }` the ranking also weighs each agent's recorded success rate \
            and latency for the capability, read from the task database, and shows them.
            Example: agenthost route "find the notes about BM25"
            """)

    @OptionGroup var host: HostOptions

    @Argument(help: "Free text, or a capability name.") var task: String

    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let agentHost = try host.makeHost()
        defer { AgentHost.shutdown() }
        let router = agentHost.router
        let learning = agentHost.policy.routing
        if learning.learn, let store = try host.openStoreForReading() {
            router.learn(from: store)
        }
        let decision: RouteDecision
        do {
            decision = task.contains(where: \.isWhitespace) ? try router.route(text: task) : try router.route(capability: task)
        } catch {
            throw CLIError(error.description)
        }
        let ranking = decision.ranking
        if json {
            struct Output: Encodable {
                var chosen: String; var capability: String; var reason: String; var ranking: [RouteRanking]; var excluded: [String]
            }
            print(try JSONText.encode(Output(chosen: decision.agent, capability: decision.capability, reason: decision.reason,
                                             ranking: ranking, excluded: decision.excluded)))
            return
        }
        print("chosen: \(decision.agent) (\(decision.capability))")
        print("why:    \(decision.reason)")
        let learned = ranking.contains { $0.recorded != nil }
        print("\nrank  agent                          capability               keywords              in flight  priority  est. ms"
            + (learned ? "  recorded: done/failed  success  mean ms" : ""))
        for (index, entry) in ranking.enumerated() {
            let keywords = entry.matchedKeywords.isEmpty ? "-" : entry.matchedKeywords.joined(separator: ",")
            var columns: [(String, Int)] = [
                (String(index + 1), 5), (entry.agent, 30), (entry.capability, 24), (keywords, 21),
                (String(entry.inFlight), 10), (String(entry.priority), 9),
                (entry.estimatedMilliseconds.map { "\($0)" } ?? "-", learned ? 8 : 0),
            ]
            if let recorded = entry.recorded {
                columns += [("\(recorded.completed)/\(recorded.failed)", 22), ("\(Int((recorded.successRate * 100).rounded()))%", 8),
                            (recorded.meanMilliseconds.map { "\(($0 * 10).rounded() / 10)" } ?? "-", 0)]
            }
            print(columns.map { text, width in text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }
                .joined(separator: " "))
        }
        if ranking.isEmpty { print("1     \(decision.agent) (the only agent)") }
        for note in decision.excluded { print("not considered: \(note)") }
    }
}
