import AgentHostCore
import AgentHostTestSupport
import Foundation
import Testing

/// Tasks through the runtime into a real SQLite file.
@Suite final class TaskStoreTests {
    let fixture: RuntimeFixture

    init() throws { fixture = try RuntimeFixture([FixturePlugin(id: "test.store")]) }

    @Test func aCompletedTaskIsStoredWithItsRouteAndTimings() throws {
        let outcome = try fixture.runtime.run(TaskRequest(capability: "fixture.echo", json: #"{"x":1}"#))
        #expect(outcome.status == .completed)
        #expect(outcome.resultText == #"{"x":1}"#)
        let task = try #require(try fixture.store.task(id: outcome.id))
        #expect(task.status == .completed)
        #expect(task.agent == "test.store")
        #expect(task.routedCapability == "fixture.echo")
        #expect(task.routeReason?.contains("exact capability") == true)
        #expect(task.agentState == "DONE")
        #expect(task.resultText == #"{"x":1}"#)
        #expect(task.startedUs != nil && task.finishedUs! >= task.startedUs!)
    }

    @Test func anUnknownCapabilityFailsTheTaskWithCloseMatches() throws {
        let outcome = try fixture.runtime.run(TaskRequest(capability: "fixture.ech", json: "{}"))
        #expect(outcome.status == .failed)
        let task = try #require(try fixture.store.task(id: outcome.id))
        #expect(task.error?.contains("no agent provides capability 'fixture.ech'") == true)
        #expect(task.error?.contains("'fixture.echo'") == true)
        #expect(task.agent == nil)
    }

    @Test func anAgentErrorAndACancellationEndAsTheyShould() throws {
        let failed = try fixture.runtime.run(TaskRequest(capability: "fixture.fail", json: "{}"))
        #expect(failed.status == .failed)
        #expect(try fixture.store.task(id: failed.id)?.error?.contains("expected a field 'x'") == true)
        var request = TaskRequest(capability: "fixture.wait_cancel", json: "{}")
        request.timeout = .milliseconds(20)
        let cancelled = try fixture.runtime.run(request)
        #expect(cancelled.status == .cancelled)
        #expect(try fixture.store.task(id: cancelled.id)?.status == .cancelled)
    }

    @Test func statisticsCountByStatusAndAgent() throws {
        for _ in 0..<3 { _ = try fixture.runtime.run(TaskRequest(capability: "fixture.echo", json: "{}")) }
        _ = try fixture.runtime.run(TaskRequest(capability: "fixture.fail", json: "{}"))
        _ = try fixture.runtime.run(TaskRequest(capability: "nothing.here", json: "{}"))
        let stats = try fixture.store.statistics()
        #expect(stats.byStatus[.completed] == 3)
        #expect(stats.byStatus[.failed] == 2)
        #expect(stats.successRate == 0.6)
        let agent = try #require(stats.agents.first { $0.id == "test.store" })
        #expect(agent.completed == 3 && agent.failed == 1)
        #expect(agent.latency != nil)
    }

    @Test func aBatchWritesEveryTaskAndReportsEachAsStored() throws {
        var requests = (0..<600).map { TaskRequest(capability: "fixture.echo", json: #"{"n":\#($0)}"#) }
        requests[7] = TaskRequest(capability: "no.such", json: "{}")
        requests[300] = TaskRequest(capability: "fixture.fail", json: "{}")
        let outcomes = try fixture.runtime.run(batch: requests, chunkSize: 64)
        #expect(outcomes.count == 600)
        #expect(outcomes[0].resultText == #"{"n":0}"#)
        #expect(outcomes[7].status == .failed && outcomes[300].status == .failed)
        #expect(outcomes.filter { $0.status == .completed }.count == 598)
        for outcome in [outcomes[0], outcomes[7], outcomes[300], outcomes[599]] {
            let stored = try #require(try fixture.store.task(id: outcome.id))
            #expect(stored.status == outcome.status)
            #expect(stored.resultText == outcome.resultText)
        }
        #expect(try fixture.store.tasks(status: .pending).isEmpty)
        #expect(try fixture.store.tasks(status: .inProgress).isEmpty)
    }

    @Test func reopeningTheFileKeepsEveryTask() throws {
        let outcome = try fixture.runtime.run(TaskRequest(capability: "fixture.echo", json: #"{"keep":true}"#))
        let reopened = try TaskStore(path: fixture.store.path)
        #expect(try reopened.task(id: outcome.id)?.resultText == #"{"keep":true}"#)
    }

    @Test func aFileThatIsNotADatabaseIsRefusedByName() throws {
        let path = fixture.folder.url.appendingPathComponent("not-a-db.sqlite").path
        try Data("this is not sqlite, just text that is long enough to have a header".utf8).write(to: URL(fileURLWithPath: path))
        #expect {
            try TaskStore(path: path)
        } throws: { error in
            "\(error)".contains("not-a-db.sqlite") && "\(error)".contains("--state")
        }
    }
}
