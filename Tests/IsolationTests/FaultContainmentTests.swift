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

/// A plugin whose init crashes, exits or hangs fails the call that started
/// it, like any fault; the command and the other plugins are not affected.
@Suite struct InitFaultTests {
    func initFault(_ knob: String, policyYAML: String = "") throws -> PluginFault {
        var hostile = FixturePlugin.hostile()
        hostile.defines[knob] = .some(nil)
        let fixture = try hostileHost(hostile, policyYAML: policyYAML)
        let outcome = try fixture.task("hostile.echo")
        #expect(outcome.status == .failed)
        #expect(try fixture.store.task(id: outcome.id)?.status == .failed)
        #expect(fixture.goodPluginAnswers())
        return try #require(fixture.fault(of: outcome), "\(String(describing: outcome.error))")
    }

    @Test func exitInInitIsAFault() throws {
        #expect(try initFault("HOSTILE_INIT_EXIT") == .exited(plugin: "test.hostile", code: 0, during: "init"))
    }

    @Test func aCrashInInitIsAFault() throws {
        #expect(try initFault("HOSTILE_INIT_CRASH") == .crashed(plugin: "test.hostile", signal: SIGSEGV, during: "init"))
    }

    @Test func anInitThatHangsIsStoppedAtTheLoadTimeout() throws {
        let fault = try initFault("HOSTILE_INIT_HANG", policyYAML: "plugins: { test.hostile: { load_timeout_ms: 300 } }")
        #expect(fault == .loadTimeout(plugin: "test.hostile", milliseconds: 300))
        #expect(fault.description.contains("did not finish init within 300 ms"))
    }

    @Test func anInitThatRefusesIsRefusedForGood() throws {
        var hostile = FixturePlugin(id: "test.refuses")
        hostile.defines["FIXTURE_INIT_FAILS"] = .some(nil)
        let fixture = try hostileHost(hostile)
        var named = TaskRequest(.capability("fixture.sleep"))
        named.agents = ["test.refuses"]
        let outcome = try fixture.runtime.run(named)
        guard case .refused(let error)? = fixture.fault(of: outcome) else {
            Issue.record("expected a refusal, got \(String(describing: outcome.error))"); return
        }
        #expect(error.description.contains("missing configuration file fixture.conf"))
        #expect(fixture.host.registry.plugin(id: "test.refuses")?.isAvailable == false)
    }
}

/// A plugin that speaks the host's private channel protocol itself, badly on
/// purpose: the host trusts nothing it sends.
@Suite struct ChannelAttackTests {
    @Test(arguments: ["op", "length", "callid"]) func aForgedFrameEndsTheChildNotTheHost(_ attack: String) throws {
        let fixture = try hostileHost()
        let outcome = try fixture.task("hostile.wire", #"{"attack":"\#(attack)"}"#)
        #expect(outcome.status == .failed)
        guard case .protocolViolation("test.hostile", let problem)? = fixture.fault(of: outcome) else {
            Issue.record("expected a protocol violation, got \(String(describing: outcome.error))"); return
        }
        #expect(!problem.isEmpty)
        #expect(fixture.goodPluginAnswers())
        #expect(try fixture.task("hostile.echo", #"{"after":"\#(attack)"}"#).status == .completed)
    }

    @Test func aChildThatKeepsTalkingIsStillStoppedAtTheDeadline() throws {
        let fixture = try hostileHost(policyYAML: "plugins: { test.hostile: { grace_ms: 50 } }")
        let outcome = try fixture.task("hostile.wire", #"{"attack":"trickle"}"#, timeout: .milliseconds(200))
        #expect(fixture.fault(of: outcome) == .deadline(plugin: "test.hostile", graceMilliseconds: 50, during: "'hostile.wire'"))
        #expect(fixture.goodPluginAnswers())
    }
}
