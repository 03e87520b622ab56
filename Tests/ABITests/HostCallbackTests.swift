import AgentHostCore
import AgentHostTestSupport
import Foundation
import Synchronization
import Testing

/// The host table a plugin gets at init: every callback, as a C plugin sees
/// it, in this process and from an isolated plugin's child alike.
@Suite final class HostCallbackTests {
    var folders: [TemporaryFolder] = []
    var hosts: [IsolationMode: AgentHost] = [:]

    init() throws {
        for mode in IsolationMode.allCases {
            let (registry, folder) = try load(FixturePlugin(id: "test.callbacks"), isolation: mode)
            folders.append(folder)
            hosts[mode] = AgentHost(registry: registry)
        }
    }

    deinit { folders.forEach { $0.remove() } }

    func object(_ response: AgentResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    @Test(arguments: IsolationMode.allCases) func everyCallbackDoesWhatTheHeaderSays(_ mode: IsolationMode) throws {
        let host = hosts[mode]!
        let reports = Mutex<[ProgressReport]>([])
        let context = SharedContext()
        let options = CallOptions(taskID: "t-1", context: context, progress: { report in reports.withLock { $0.append(report) } })
        let response = try host.call("fixture.callbacks", json: "{}", options: options)
        let result = try object(response)
        let ok = Int(AgentStatus.ok.rawValue), notFound = Int(AgentStatus.notFound.rawValue)
        #expect(result["set"] as? Int == ok)
        #expect(result["get"] as? Int == ok)
        #expect(result["value"] as? String == "hi")
        #expect(result["missing"] as? Int == notFound)
        #expect(result["handoff_allowed"] as? Int == ok)
        #expect(result["handoff_forbidden"] as? Int == Int(AgentStatus.denied.rawValue))
        #expect(result["delegate"] as? Int == ok)
        #expect(result["delegate_result"] as? String == "echoed")
        #expect(result["delegate_unknown"] as? Int == notFound)
        #expect(result["listed"] as? Int == ok)
        #expect(result["lists_echo"] as? Bool == true)
        #expect(result["unknown_extension_is_null"] as? Bool == true)
        #expect(result["foreign_call"] as? Int == notFound)
        #expect(result["cancelled"] as? Bool == false)
        #expect(result["host_abi_major"] as? Int == 1)

        #expect(context.value(for: "greeting") == Array(#""hi""#.utf8))
        #expect(reports.withLock { $0 } == [ProgressReport(fraction: 0.5, message: "half way")])
        #expect(response.handoffs == [HandoffRequest(from: "test.callbacks", to: "test.allowed", reason: "needs review",
                                                     context: Array(#"{"k":1}"#.utf8))])
    }

    @Test(arguments: IsolationMode.allCases) func callbacksForACallThatEndedFail(_ mode: IsolationMode) throws {
        let host = hosts[mode]!
        // The fixture tried call_id + 1000000, which is no running call: foreign_call above.
        // Here: a second call does not see the first call's handoffs.
        _ = try host.call("fixture.callbacks", json: "{}")
        let echo = try host.call("fixture.echo", json: "{}")
        #expect(echo.handoffs.isEmpty)
    }

    @Test(arguments: IsolationMode.allCases) func aTimeoutReachesThePluginAsCancellation(_ mode: IsolationMode) throws {
        let host = hosts[mode]!
        #expect {
            try host.call("fixture.wait_cancel", json: "{}", options: CallOptions(timeout: .milliseconds(20)))
        } throws: { error in
            guard case AgentCallError.agentFailed(_, _, .cancelled, let message) = error else { return false }
            return message == "observed cancellation"
        }
    }

    @Test(arguments: IsolationMode.allCases) func aCancellationTokenReachesThePlugin(_ mode: IsolationMode) throws {
        let host = hosts[mode]!
        let token = CancellationToken()
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(20)) { token.cancel() }
        #expect(throws: AgentCallError.self) {
            try host.call("fixture.wait_cancel", json: "{}", options: CallOptions(cancellation: token))
        }
        #expect(token.isCancelled)
    }

    @Test(arguments: IsolationMode.allCases) func anAgentErrorCarriesItsStatusAndMessage(_ mode: IsolationMode) throws {
        let host = hosts[mode]!
        #expect {
            try host.call("fixture.fail", json: "{}")
        } throws: { error in
            guard case AgentCallError.agentFailed("test.callbacks", "fixture.fail", .invalidArgument, let message) = error else { return false }
            return message == "bad input: expected a field 'x'"
        }
    }

    @Test(arguments: IsolationMode.allCases) func anUnknownCapabilitySuggestsCloseOnes(_ mode: IsolationMode) throws {
        let host = hosts[mode]!
        #expect {
            try host.call("fixture.ech", json: "{}")
        } throws: { error in
            guard case AgentCallError.routing(.noAgent("fixture.ech", let suggestions)) = error else { return false }
            return suggestions.contains("fixture.echo") && "\(error)".contains("no agent provides capability 'fixture.ech'")
        }
    }

    @Test(arguments: IsolationMode.allCases) func aPluginThatIsNotThreadSafeCannotDelegateBackIntoItself(_ mode: IsolationMode) throws {
        let host = hosts[mode]!
        var fixture = FixturePlugin(id: "test.serial-callbacks")
        fixture.threadSafe = false
        _ = host
        let (registry, folder) = try load(fixture, isolation: mode)
        defer { folder.remove() }
        let result = try object(try AgentHost(registry: registry).call("fixture.callbacks", json: "{}"))
        // Re-entering the plugin while it is held would deadlock; the host refuses instead.
        #expect(result["delegate"] as? Int == Int(AgentStatus.unavailable.rawValue))
    }
}
