import AgentHostCore
import AgentHostTestSupport
import Foundation
import Testing

/// A plugin that crashes, exits, hangs or leaks fails its own call with a
/// typed error; the host, the task store and the other plugins carry on, and
/// the plugin is restarted on its next call.
@Suite struct FaultContainmentTests {
    /// Runs `capability`, which kills the hostile plugin's process, and
    /// checks everything the issue asks of a fault.
    func expectContained(_ capability: String, policyYAML: String = "", timeout: Duration? = nil,
                         fault matches: (PluginFault) -> Bool) throws {
        let fixture = try hostileHost(policyYAML: policyYAML)
        let outcome = try fixture.task(capability, timeout: timeout)
        #expect(outcome.status == .failed)
        let fault = try #require(fixture.fault(of: outcome), "a typed fault, not \(String(describing: outcome.error))")
        #expect(matches(fault), "unexpected fault: \(fault)")
        #expect(fault.plugin == "test.hostile")
        // Recorded failed, with the reason, before it was reported.
        let stored = try #require(try fixture.store.task(id: outcome.id))
        #expect(stored.status == .failed)
        #expect(stored.error?.contains("test.hostile") == true)
        #expect(try fixture.store.events(of: outcome.id).contains { $0.kind == .pluginFault })
        // The good plugin in the same host keeps answering, and the hostile one is restarted.
        #expect(fixture.goodPluginAnswers())
        #expect(try fixture.task("hostile.echo", #"{"back":true}"#).resultText == #"{"back":true}"#)
    }

    @Test func aSegfaultIsACrashOfThePlugin() throws {
        try expectContained("hostile.segv") { if case .crashed(_, SIGSEGV, "'hostile.segv'") = $0 { true } else { false } }
    }

    @Test func anAbortIsACrashOfThePlugin() throws {
        try expectContained("hostile.abort") { if case .crashed(_, SIGABRT, _) = $0 { true } else { false } }
    }

    @Test func aCallThroughAGarbageInterfacePointerIsACrash() throws {
        try expectContained("hostile.garbage") { if case .crashed(_, SIGSEGV, _) = $0 { true } else { false } }
    }

    @Test func exitInACallIsAnExitNotASuccess() throws {
        try expectContained("hostile.exit") { if case .exited(_, 0, "'hostile.exit'") = $0 { true } else { false } }
    }

    @Test func aLoopThatIgnoresCancellationIsStoppedAfterTheDeadline() throws {
        try expectContained("hostile.spin", policyYAML: "plugins: { test.hostile: { grace_ms: 100 } }", timeout: .milliseconds(200)) {
            if case .deadline(_, 100, _) = $0 { true } else { false }
        }
    }

    @Test func aLeakPastTheMemoryLimitIsStoppedAndNamed() throws {
        let fixture = try hostileHost(policyYAML: "plugins: { test.hostile: { memory_mb: 128 } }")
        var outcome: TaskOutcome?
        for _ in 0..<20 {
            let next = try fixture.task("hostile.grow")
            outcome = next
            if next.status != .completed { break }
        }
        let last = try #require(outcome)
        #expect(last.status == .failed)
        guard case .memoryLimit("test.hostile", 128, let peak, _)? = fixture.fault(of: last) else {
            Issue.record("expected a memory limit fault, got \(String(describing: last.error))"); return
        }
        #expect(peak > 64 && peak <= 128)
        #expect(fixture.goodPluginAnswers())
        // Restarted with a fresh process: its leak starts again from nothing.
        #expect(try fixture.task("hostile.grow").resultText == #"{"leaked_mb":16}"#)
    }

    @Test func aPluginThatKeepsCrashingIsQuarantinedAndRoutingMovesOn() throws {
        var crasher = FixturePlugin.hostile(id: "test.crasher")
        crasher.defines["HOSTILE_SHARED"] = "1"
        crasher.capabilityNames.append("shared.work")
        var steady = FixturePlugin.hostile(id: "test.steady")
        steady.defines["HOSTILE_SHARED"] = "0"
        steady.capabilityNames.append("shared.work")
        let fixture = try hostileHost(crasher, others: [steady])
        // test.crasher sorts first, so it is chosen while both are healthy.
        for _ in 0..<IsolatedPlugin.faultsBeforeQuarantine {
            let outcome = try fixture.task("shared.work", #"{"n":1}"#, timeout: nil)
            if outcome.status == .completed { break }
            #expect(outcome.agent == "test.crasher")
        }
        let crasherPlugin = try #require(fixture.host.registry.plugin(id: "test.crasher"))
        #expect(!crasherPlugin.isAvailable)
        let moved = try fixture.task("shared.work", #"{"n":2}"#)
        #expect(moved.status == .completed)
        #expect(moved.agent == "test.steady")
        // Named explicitly while quarantined, it fails at once with the reason.
        var named = TaskRequest(.capability("hostile.echo"))
        named.agents = ["test.crasher"]
        let refused = try fixture.runtime.run(named)
        guard case .quarantined("test.crasher", _, let last)? = fixture.fault(of: refused) else {
            Issue.record("expected quarantine, got \(String(describing: refused.error))"); return
        }
        #expect(last.contains("SIGABRT"))
    }
}

/// A plugin whose init fails in any way is refused for this host; the command
/// and the other plugins are not affected.
@Suite struct InitFaultTests {
    func refusal(_ knob: String, policyYAML: String = "") throws -> (PluginLoadError, RuntimeFixture) {
        var hostile = FixturePlugin.hostile()
        hostile.defines[knob] = .some(nil)
        let fixture = try hostileHost(hostile, policyYAML: policyYAML)
        let outcome = try fixture.task("hostile.echo")
        #expect(outcome.status == .failed)
        guard case .refused(let error)? = fixture.fault(of: outcome) else {
            Issue.record("expected a refusal, got \(String(describing: outcome.error))")
            throw FixtureError("no refusal")
        }
        #expect(fixture.goodPluginAnswers())
        #expect(fixture.host.registry.plugin(id: "test.hostile")?.isAvailable == false)
        return (error, fixture)
    }

    @Test func exitInInitIsALoadFault() throws {
        let (error, _) = try refusal("HOSTILE_INIT_EXIT")
        #expect(error.description.contains("exited with status 0 during init"))
    }

    @Test func aCrashInInitIsALoadFault() throws {
        let (error, _) = try refusal("HOSTILE_INIT_CRASH")
        #expect(error.description.contains("SIGSEGV"))
    }

    @Test func anInitThatHangsIsStoppedAtTheLoadTimeout() throws {
        let (error, _) = try refusal("HOSTILE_INIT_HANG", policyYAML: "plugins: { test.hostile: { load_timeout_ms: 300 } }")
        #expect(error.description.contains("did not finish init within 300 ms"))
    }
}
