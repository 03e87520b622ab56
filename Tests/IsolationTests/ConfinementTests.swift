import AgentHostCore
import AgentHostTestSupport
import Foundation
import Synchronization
import Testing

/// An isolated plugin reaches files, the network and programs only through
/// the host's services: what it tries directly, the kernel refuses.
@Suite struct ConfinementTests {
    func object(_ outcome: TaskOutcome) throws -> [String: Any] {
        let text = try #require(outcome.resultText, "no result: \(String(describing: outcome.error))")
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func itCannotOpenAFileOutsideItsFolder() throws {
        let fixture = try hostileHost()
        let secret = fixture.folder.url.appendingPathComponent("secret.txt")
        try Data("top secret".utf8).write(to: secret)
        for path in ["/etc/passwd", secret.path] {
            let result = try object(try fixture.task("hostile.open", #"{"path":"\#(path)"}"#))
            #expect(result["opened"] as? Bool == false, "\(path)")
            #expect(result["errno"] as? Int == Int(EACCES), "\(path)")
        }
        // Its own folder stays readable: it may load its own data files.
        let own = fixture.folder.url.appendingPathComponent("0-test.hostile/plugin.json").path
        #expect(try object(try fixture.task("hostile.open", #"{"path":"\#(own)"}"#))["opened"] as? Bool == true)
        #expect(fixture.goodPluginAnswers())
    }

    @Test func itCannotOpenASocketNorConnect() throws {
        let hits = Mutex(0)
        let server = try LoopbackHTTPServer { _ in
            hits.withLock { $0 += 1 }
            return .html("hello")
        }
        defer { server.stop() }
        let fixture = try hostileHost()
        let result = try object(try fixture.task("hostile.connect", #"{"port":\#(server.port)}"#))
        #expect(result["socket_errno"] as? Int == Int(EPERM))
        #expect(hits.withLock { $0 } == 0)
        #expect(fixture.goodPluginAnswers())
    }

    @Test func itCannotStartProgramsNorFork() throws {
        let marker = "/tmp/agenthost-hostile-exec"
        try? FileManager.default.removeItem(atPath: marker)
        let fixture = try hostileHost()
        let result = try object(try fixture.task("hostile.exec"))
        #expect(result["execve_errno"] as? Int == Int(EPERM))
        #expect(result["fork_errno"] as? Int == Int(EPERM))
        #expect(!FileManager.default.fileExists(atPath: marker))
        #expect(fixture.goodPluginAnswers())
    }

    @Test func itCannotReachItsHostProcessNorChangeFiles() throws {
        let fixture = try hostileHost()
        let file = fixture.folder.url.appendingPathComponent("0-test.hostile/plugin.json").path
        let before = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
        let result = try object(try fixture.task("hostile.meddle", #"{"path":"\#(file)"}"#))
        for key in ["prlimit", "setown", "kill", "chmod", "renice"] { #expect(result[key] as? Int == Int(EPERM), "\(key): \(result)") }
        #expect(try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int == before)
        #expect(fixture.goodPluginAnswers())
    }

    @Test func protectionsAreReportedByTheChild() throws {
        let fixture = try hostileHost()
        let plugin = try #require(fixture.host.registry.plugin(id: "test.hostile"))
        #expect(plugin.isolation == .process && !plugin.isTrusted)
        let protections = try #require(try plugin.prepare()?.get())
        // This kernel (see DESIGN.md) offers Landlock ABI 7 and seccomp; a kernel without them reports them missing.
        if let abi = protections.landlockABI, abi >= 6 {
            let missing = protections.list.filter { !$0.holds }.map(\.name)
            #expect(missing.isEmpty, "\(protections)")
        }
        #expect(protections.list.first { $0.name.hasPrefix("seccomp") }?.holds == true)
    }
}
