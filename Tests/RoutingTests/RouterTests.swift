import AgentHostCore
import AgentHostTestSupport
import Foundation
import Testing

/// Routing over real fixture plugins: two agents declare the same
/// capabilities, with keywords, priorities and estimates that differ.
@Suite final class RouterTests {
    let fixture: RuntimeFixture

    init() throws {
        func variant(_ id: String, priority: Int, estimate: Double?, keywords: [String]) -> FixturePlugin {
            var plugin = FixturePlugin(id: id)
            plugin.editManifest = { manifest in
                var capabilities = manifest["capabilities"] as! [[String: Any]]
                for index in capabilities.indices {
                    capabilities[index]["priority"] = priority
                    if let estimate { capabilities[index]["estimated_ms"] = estimate }
                    if capabilities[index]["name"] as? String == "fixture.echo" { capabilities[index]["keywords"] = keywords }
                }
                manifest["capabilities"] = capabilities
            }
            return plugin
        }
        fixture = try RuntimeFixture([
            variant("test.alpha", priority: 1, estimate: 50, keywords: ["echo", "repeat back"]),
            variant("test.beta", priority: 5, estimate: 10, keywords: ["echo"]),
        ])
    }

    @Test func exactCapabilityPrefersHigherPriorityWhenLoadIsEqual() throws {
        let decision = try fixture.host.router.route(capability: "fixture.echo")
        #expect(decision.agent == "test.beta")
        #expect(decision.reason.contains("higher priority"))
        #expect(decision.ranking.map(\.agent) == ["test.beta", "test.alpha"])
    }

    @Test func freeTextGoesToTheMostKeywordsMatched() throws {
        let decision = try fixture.host.router.route(text: "please Repeat back this echo")
        #expect(decision.agent == "test.alpha")
        #expect(decision.capability == "fixture.echo")
        #expect(decision.reason.contains("'repeat back'"))
    }

    @Test func fewerTasksInFlightWinsOverPriority() throws {
        // test.beta is busy with a call that waits for cancellation.
        let token = CancellationToken()
        let host = fixture.host
        let busy = Thread {
            _ = try? host.call("fixture.wait_cancel", json: "{}", options: CallOptions(cancellation: token))
        }
        busy.start()
        defer { token.cancel() }
        var decision = try fixture.host.router.route(capability: "fixture.echo")
        for _ in 0..<500 where decision.agent != "test.alpha" {
            usleep(2000)
            decision = try fixture.host.router.route(capability: "fixture.echo")
        }
        #expect(decision.agent == "test.alpha")
        #expect(decision.reason.contains("fewest tasks in flight"))
    }

    @Test func anUnknownCapabilityListsCloseMatches() {
        #expect {
            try self.fixture.host.router.route(capability: "fixture.ecko")
        } throws: { error in
            guard case RoutingError.noAgent("fixture.ecko", let suggestions) = error else { return false }
            return suggestions.contains("fixture.echo") && "\(error)".contains("no agent provides capability 'fixture.ecko'")
        }
    }

    @Test func freeTextThatMatchesNothingIsAnError() {
        #expect(throws: RoutingError.self) { try self.fixture.host.router.route(text: "bake a cake") }
    }
}
