import AgentHostCore
import AgentHostTestSupport
import Foundation
import Testing

/// Routing that learns from the store: two real agents declare one
/// capability; one always fails. By the declared figures alone they tie, and
/// the agent id decides, so the failing one would get every task.
@Suite final class LearnedRoutingTests {
    static func agents() -> [FixturePlugin] {
        var failing = FixturePlugin(id: "test.afailing")
        failing.defines["FIXTURE_ANSWER_FAILS"] = .some(nil)
        var working = FixturePlugin(id: "test.bworking")
        working.defines["FIXTURE_ANSWER"] = FixturePlugin.cString(TestJSON.quoted("yes"))  // a reply is JSON
        return [failing, working]
    }

    func run(_ runtime: AgentRuntime, times: Int) throws -> [TaskOutcome] {
        try (0..<times).map { _ in try runtime.run(TaskRequest(capability: "fixture.answer", json: "{}")) }
    }

    @Test func withoutLearningTheFailingAgentKeepsGettingTheTasks() throws {
        let fixture = try RuntimeFixture(Self.agents())
        let outcomes = try run(fixture.runtime, times: 4)
        #expect(outcomes.allSatisfy { $0.agent == "test.afailing" && $0.status == .failed })
        #expect(fixture.host.router.agents(for: "fixture.answer").first == "test.afailing")
    }

    @Test func aFailingAgentLosesTasksToOneThatSucceeds() throws {
        var policy = Policy.standard
        policy.routing.learn = true
        policy.routing.refreshMilliseconds = 0  // read the figures at every route, so the test needs no waiting
        let fixture = try RuntimeFixture(Self.agents(), policy: policy)
        let outcomes = try run(fixture.runtime, times: 8)
        // Nothing recorded: a tie, the id decides. One failure moves the work.
        #expect(outcomes[0].agent == "test.afailing" && outcomes[0].status == .failed)
        #expect(outcomes.dropFirst().allSatisfy { $0.agent == "test.bworking" && $0.status == .completed },
                "\(outcomes.map { "\($0.agent ?? "-") \($0.status)" })")

        let decision = try fixture.host.router.route(capability: "fixture.answer")
        #expect(decision.agent == "test.bworking")
        #expect(decision.reason.contains("higher recorded success rate (89% of 7 vs 33% of 1, smoothed)"), "\(decision.reason)")
        let figures = decision.ranking.compactMap(\.recorded)
        #expect(figures.map(\.agent) == ["test.bworking", "test.afailing"])
        #expect(figures.map(\.completed) == [7, 0] && figures.map(\.failed) == [0, 1])
        #expect(figures[0].meanMilliseconds != nil && figures[1].meanMilliseconds == nil)
    }

    @Test func routeShowsTheFiguresItUsed() throws {
        let cli = try CLIHome(fixtures: Self.agents())
        let policy = try cli.write("policy.yaml", "routing:\n  learn: true\n  refresh_ms: 0\n")
        for _ in 0..<3 { _ = try cli.agenthost(["run", "fixture.answer", "--policy", policy]) }
        let route = try cli.agenthost(["route", "fixture.answer", "--policy", policy])
        #expect(route.status == 0, "\(route.stderr)")
        #expect(route.stdout.contains("chosen: test.bworking (fixture.answer)"), "\(route.stdout)")
        #expect(route.stdout.contains("recorded: done/failed  success  mean ms"), "\(route.stdout)")
        #expect(route.stdout.contains("2/0"), "\(route.stdout)")
        #expect(route.stdout.contains("0/1"), "\(route.stdout)")
        let json = try cli.agenthost(["route", "fixture.answer", "--policy", policy, "--json"])
        #expect(json.stdout.contains(#""success_rate""#), "\(json.stdout)")

        let bad = try cli.write("bad.yaml", "routing:\n  learn: sometimes\n")
        let refused = try cli.agenthost(["route", "fixture.answer", "--policy", bad])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("routing.learn"), "\(refused.stderr)")
    }
}
