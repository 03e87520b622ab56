import AgentHostCore
import AgentHostTestSupport
import Foundation
import Synchronization
import Testing

/// Leases, pools, and contradictory answers between agents.
@Suite struct ConflictAndResourceTests {
    @Test func stepsLeasingTheSameResourceNeverRunAtOnce() throws {
        let (fixture, orchestrator) = try orchestration()
        defer { withExtendedLifetime(fixture) {} }  // its plugins start on first call
        let steps = (1...4).map { "  - { id: s\($0), capability: fixture.overlap, resources: [\"file:Sources/main.swift\"] }" }
        let report = try orchestrator.run(try workflow("name: lease\nmode: parallel\nconcurrency: 4\nsteps:\n" + steps.joined(separator: "\n")))
        #expect(report.status == .completed)
        for step in report.steps {
            #expect(step.resultText == #"{"max_in_flight":1}"#, "one holder of the file at a time: \(step.resultText ?? "")")
        }
        #expect(orchestrator.leases.holdings.isEmpty, "every lease was given back")
    }

    @Test func thePerAgentPoolBoundsCallsIntoOneAgent() throws {
        var policy = Policy.standard
        policy.orchestration.perAgentConcurrency = 1
        let (fixture, orchestrator) = try orchestration(policy: policy)
        defer { withExtendedLifetime(fixture) {} }  // its plugins start on first call
        let steps = (1...4).map { "  - { id: s\($0), capability: fixture.overlap }" }
        let report = try orchestrator.run(try workflow("name: pool\nmode: parallel\nconcurrency: 4\nsteps:\n" + steps.joined(separator: "\n")))
        #expect(report.steps.allSatisfy { $0.resultText == #"{"max_in_flight":1}"# })
    }

    @Test(arguments: [false, true]) func waitersAreServedByPriorityThenInOrder(inStore: Bool) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = inStore ? try TaskStore(path: folder.url.appendingPathComponent("state.sqlite").path) : nil
        let leases = LeaseManager(store: store)
        let held = try leases.acquire(["workspace:build"])
        let order = Mutex<[String]>([])
        let group = DispatchGroup()
        for (index, (name, priority)) in [("low", 0), ("high", 5), ("middle", 2), ("low-later", 0)].enumerated() {
            group.enter()
            Thread.detachNewThread {
                guard let lease = try? leases.acquire(["workspace:build"], priority: priority) else { return group.leave() }
                order.withLock { $0.append(name) }
                leases.release(lease)
                group.leave()
            }
            // Each waiter is queued before the next one arrives.
            while leases.waiting < index + 1 { usleep(1000) }
        }
        #expect(leases.tryAcquire(["workspace:build"]) == nil, "held, and others wait")
        leases.release(held)
        group.wait()
        #expect(order.withLock { $0 } == ["high", "middle", "low", "low-later"])
        #expect(leases.holdings.isEmpty)
        if let store { #expect(try store.leaseHolders().isEmpty, "every lease in the store was given back") }
    }

    @Test func contradictoryAnswersAreDetectedAndSettledByTheRule() throws {
        func run(_ rule: String, priorities: [String: Int] = [:]) throws -> (RunReport, RuntimeFixture) {
            let (fixture, orchestrator) = try orchestration(["test.a": "red", "test.b": "blue", "test.c": "blue"], edit: { id, manifest in
                var capabilities = manifest["capabilities"] as! [[String: Any]]
                for index in capabilities.indices where capabilities[index]["name"] as? String == "fixture.answer" {
                    capabilities[index]["priority"] = priorities[id] ?? 0
                }
                manifest["capabilities"] = capabilities
            })
            let report = try orchestrator.run(try workflow("""
                name: colour
                mode: parallel
                conflicts: \(rule)
                steps:
                  - { id: ask-a, capability: fixture.answer, agents: [test.a] }
                  - { id: ask-b, capability: fixture.answer, agents: [test.b] }
                  - { id: ask-c, capability: fixture.answer, agents: [test.c] }
                """))
            return (report, fixture)
        }
        let (voted, votedFixture) = try run("vote")
        let conflict = try #require(voted.conflicts.first)
        #expect(conflict.steps == ["ask-a", "ask-b", "ask-c"])
        #expect(conflict.winner == "ask-b")
        #expect(voted.resultText == #"{"ask-a":"blue","ask-b":"blue","ask-c":"blue"}"#, "the losers take the winner's answer")
        let votedRun = try #require(voted.runID)
        let event = try #require(try votedFixture.store.events(ofRun: votedRun).first { $0.kind == .conflict })
        #expect(event.detail.contains("settled by vote: step 'ask-b' (test.b) wins"), "\(event.detail)")

        let (prioritized, _) = try run("priority", priorities: ["test.a": 10])
        #expect(prioritized.conflicts.first?.winner == "ask-a")
        #expect(prioritized.resultText == #"{"ask-a":"red","ask-b":"red","ask-c":"red"}"#)

        let (escalated, _) = try run("escalate")
        #expect(escalated.status == .escalated)
        #expect(escalated.conflicts.first?.winner == nil)
        #expect(escalated.error?.contains("a person must decide") == true)
    }
}

extension ConflictAndResourceTests {
    @Test func aWorkflowsOwnPerAgentLimitHoldsStepsBackWithinTheRun() throws {
        let (fixture, orchestrator) = try orchestration()
        defer { withExtendedLifetime(fixture) {} }  // its plugins start on first call
        let steps = (1...4).map { "  - { id: s\($0), capability: fixture.overlap }" }
        let report = try orchestrator.run(try workflow("name: own\nmode: parallel\nconcurrency: 4\nlimits: { per_agent_concurrency: 1 }\nsteps:\n"
                                                       + steps.joined(separator: "\n")))
        #expect(report.status == .completed)
        #expect(report.steps.allSatisfy { $0.resultText == #"{"max_in_flight":1}"# }, "\(report.steps.map(\.resultText))")
    }
}
