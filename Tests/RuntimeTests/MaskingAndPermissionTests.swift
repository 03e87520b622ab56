import AgentHostCore
import AgentHostTestSupport
import Foundation
import Testing

/// A plugin that tries a masked tool and services it did not declare, through
/// the real `agenthost.services/1` table.
@Suite final class MaskingAndPermissionTests {
    let fixture: RuntimeFixture
    let allowed: TemporaryFolder
    let forbidden: TemporaryFolder

    init() throws {
        allowed = try TemporaryFolder("allowed")
        forbidden = try TemporaryFolder("forbidden")
        try forbidden.file("secret.txt", "nope")
        var plugin = FixturePlugin(id: "test.services")
        let allowedPath = allowed.url.path
        plugin.editManifest = { manifest in
            manifest["permissions"] = ["paths": [allowedPath], "commands": ["echo"], "network": ["127.0.0.1:1"]]
        }
        fixture = try RuntimeFixture([plugin])
    }

    deinit {
        allowed.remove()
        forbidden.remove()
    }

    @Test func servicesOutsideTheManifestAreRefusedAndRecorded() throws {
        let payload = """
            {"allowed_path":"\(allowed.url.path)","denied_path":"\(forbidden.url.appendingPathComponent("secret.txt").path)",\
            "url":"http://example.com/","command":"echo"}
            """
        let outcome = try fixture.runtime.run(TaskRequest(capability: "fixture.services", json: payload))
        #expect(outcome.status == .completed, "\(String(describing: outcome.error))")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(outcome.result ?? [])) as? [String: Any])
        let ok = Int(AgentStatus.ok.rawValue), denied = Int(AgentStatus.denied.rawValue)
        #expect(result["tool"] as? Int == ok)
        #expect(result["tool_result"] as? String == "5")
        #expect(result["masked"] as? Int == denied)
        #expect(result["masked_says_masked"] as? Bool == true)
        #expect(result["write"] as? Int == ok)
        #expect(result["read"] as? Int == ok)
        #expect(result["read_back"] as? String == "hello")
        #expect(result["read_denied"] as? Int == denied)
        #expect(result["fetch"] as? Int == denied)
        #expect(result["run"] as? Int == ok)
        #expect(result["run_echoed"] as? Bool == true)
        #expect(result["run_denied"] as? Int == denied)

        let events = try fixture.store.events(of: outcome.id)
        #expect(events.filter { $0.kind == .toolMasked }.count == 1)
        #expect(events.first { $0.kind == .toolMasked }?.detail.contains("'planning_only' may not be called in state EXECUTING") == true)
        let refusals = events.filter { $0.kind == .permissionDenied }.map(\.detail)
        #expect(refusals.count == 3, "\(refusals)")
        #expect(refusals.contains { $0.contains("read_file") && $0.contains("secret.txt") })
        #expect(refusals.contains { $0.contains("fetch 'http://example.com/'") })
        #expect(refusals.contains { $0.contains("run_command 'rm'") })
    }

    @Test func toolsAreMaskedByStateAndTheRefusalIsRecorded() throws {
        let plugin = try #require(fixture.host.registry.plugin(id: "test.services"))
        #expect(plugin.tools(visibleIn: .planning).map(\.name).contains("planning_only"))
        #expect(!plugin.tools(visibleIn: .executing).map(\.name).contains("planning_only"))
        #expect(plugin.tools(visibleIn: .idle).isEmpty)
        #expect(try fixture.runtime.callTool("planning_only", of: "test.services", arguments: [.i64(4)], state: .planning) == .i64(40))
        #expect {
            try self.fixture.runtime.callTool("planning_only", of: "test.services", arguments: [.i64(4)], state: .executing)
        } throws: { error in
            guard case ToolCallError.masked("planning_only", .executing, _) = error else { return false }
            return "\(error)".hasPrefix("tool masked")
        }
        #expect(try fixture.store.events(kind: .toolMasked).contains { $0.detail.contains("planning_only") && $0.taskId == nil })
    }

    @Test func anAgentIsNotCalledOutsideAWorkingState() throws {
        #expect {
            try self.fixture.host.call("fixture.echo", json: "{}", options: CallOptions(state: .done))
        } throws: { error in
            guard case AgentCallError.notWorkingState(_, .done) = error else { return false }
            return true
        }
    }
}
