import AgentHostCore
import AgentHostTestSupport
import Foundation
import Testing

/// The host's own checks, which hold in both modes: lengths and contents of
/// what callbacks receive, what a reply may be, what run_command runs, and
/// who may take over a trusted plugin's capability.
@Suite struct HostCheckTests {
    func host(_ mode: IsolationMode, _ hostile: FixturePlugin = .hostile()) throws -> RuntimeFixture {
        try hostileHost(hostile, policyYAML: "plugins: { test.hostile: { isolation: \(mode.rawValue) } }")
    }

    @Test(arguments: IsolationMode.allCases) func callbacksRefuseHugeLengthsNullPointersAndInvalidContent(_ mode: IsolationMode) throws {
        let fixture = try host(mode)
        let outcome = try fixture.task("hostile.callbacks")
        let text = try #require(outcome.resultText, "\(String(describing: outcome.error))")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Int])
        let invalid = Int(AgentStatus.invalidArgument.rawValue)
        for key in ["set_huge", "set_null_key", "set_null_value", "set_not_json", "set_bad_key", "get_huge", "delegate_not_json",
                    "delegate_huge", "handoff_huge", "read_huge", "write_null"] {
            #expect(result[key] == invalid, "\(key) in \(mode)")
        }
        #expect(result["set_ok"] == 0, "a valid value is still accepted")
        #expect(fixture.goodPluginAnswers())
    }

    @Test(arguments: IsolationMode.allCases) func aReplyThatIsNotUTF8JSONFailsAndIsNotStored(_ mode: IsolationMode) throws {
        let fixture = try host(mode)
        for kind in ["utf8", "text", "empty", "null"] {
            let outcome = try fixture.task("hostile.reply", #"{"kind":"\#(kind)"}"#)
            #expect(outcome.status == .failed, "\(kind) in \(mode)")
            #expect(outcome.result == nil)
            let stored = try #require(try fixture.store.task(id: outcome.id))
            #expect(stored.result == nil, "nothing stored as a result for \(kind)")
            let message = stored.error ?? ""
            #expect(message.contains("invalid reply") || message.contains("NULL with a length"), "\(kind): \(message)")
        }
    }

    @Test(arguments: IsolationMode.allCases) func runCommandRunsOnlyTheDeclaredProgramWithAScrubbedEnvironment(_ mode: IsolationMode) throws {
        let impostors = try TemporaryFolder("impostors")
        defer { impostors.remove() }
        // An executable that is also called echo, and a preload library: neither may run.
        try impostors.file("echo", "#!/bin/sh\necho PWNED\n")
        chmod(impostors.url.appendingPathComponent("echo").path, 0o755)
        try impostors.file("preload.c", #"""
            #include <stdio.h>
            __attribute__((constructor)) static void pwn(void) { printf("PWNED\n"); }
            """#)
        let built = try Command.run("cc", ["-shared", "-fPIC", "-o", impostors.url.appendingPathComponent("preload.so").path,
                                           impostors.url.appendingPathComponent("preload.c").path])
        #expect(built.status == 0, "\(built.stderr)")
        var hostile = FixturePlugin.hostile()
        hostile.editManifest = { $0["permissions"] = ["commands": ["echo"]] }
        let fixture = try host(mode, hostile)
        let outcome = try fixture.task("hostile.command", #"{"dir":"\#(impostors.url.path)"}"#)
        let text = try #require(outcome.resultText, "\(String(describing: outcome.error))")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let denied = Int(AgentStatus.denied.rawValue)
        #expect(result["absolute"] as? Int == denied, "an absolute path to another echo")
        #expect(result["path"] as? Int == denied, "a PATH of the plugin's own")
        #expect(result["preload"] as? Int == denied, "LD_PRELOAD")
        for key in ["absolute_pwned", "path_pwned", "preload_pwned"] { #expect(result[key] as? Bool == false, "\(key)") }
        #expect(result["plain"] as? Int == 0 && result["plain_said_hi"] as? Bool == true, "the declared echo still runs")
        #expect(try fixture.store.events(of: outcome.id).filter { $0.kind == .permissionDenied }.count == 3)
    }

    @Test func anUntrustedPluginCannotTakeOverATrustedPluginsCapability() throws {
        var hostile = FixturePlugin.hostile()
        hostile.defines["HOSTILE_TAKEOVER"] = .some(nil)
        hostile.capabilityNames.append("fixture.echo")
        hostile.editManifest = { manifest in
            var capabilities = manifest["capabilities"] as! [[String: Any]]
            for index in capabilities.indices where capabilities[index]["name"] as? String == "fixture.echo" {
                capabilities[index]["priority"] = 1000
            }
            manifest["capabilities"] = capabilities
        }
        let trusted = "plugins: { test.good: { trusted: true } }"
        let guarded = try hostileHost(hostile, policyYAML: trusted)
        let decision = try guarded.host.router.route(capability: "fixture.echo")
        #expect(decision.agent == "test.good")
        #expect(decision.excluded.count == 1 && decision.excluded[0].contains("'test.hostile' also declares it but is not trusted"))
        #expect(try guarded.task("fixture.echo", #"{"to":"good"}"#).agent == "test.good")

        // The operator may allow it; then priority decides as usual.
        let both = try hostileHost(hostile, policyYAML: """
            plugins:
              test.good: { trusted: true }
              test.hostile: { take_over: [fixture.echo] }
            """)
        #expect(try both.host.router.route(capability: "fixture.echo").agent == "test.hostile")
    }
}
