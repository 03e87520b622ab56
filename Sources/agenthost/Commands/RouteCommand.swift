import AgentHostCore
import ArgumentParser

struct RouteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "route",
        abstract: "Show how a task would be routed, best first, without running anything.",
        discussion: "Example: agenthost route \"find the notes about BM25\"")

    @OptionGroup var host: HostOptions

    @Argument(help: "Free text, or a capability name.") var task: String

    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let agentHost = try host.makeHost()
        defer { AgentHost.shutdown() }
        let router = agentHost.router
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
        print("\nrank  agent                          capability               keywords              in flight  priority  est. ms")
        for (index, entry) in ranking.enumerated() {
            let keywords = entry.matchedKeywords.isEmpty ? "-" : entry.matchedKeywords.joined(separator: ",")
            let columns: [(String, Int)] = [
                (String(index + 1), 5), (entry.agent, 30), (entry.capability, 24), (keywords, 21),
                (String(entry.inFlight), 10), (String(entry.priority), 9),
                (entry.estimatedMilliseconds.map { "\($0)" } ?? "-", 0),
            ]
            print(columns.map { text, width in text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }
                .joined(separator: " "))
        }
        if ranking.isEmpty { print("1     \(decision.agent) (the only agent)") }
        for note in decision.excluded { print("not considered: \(note)") }
    }
}
