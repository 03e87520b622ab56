import AgentHostCore
import AgentHostTestSupport
import Foundation
import Testing

/// Two agents offer `shared.work`; the first one (by id) misbehaves. A
/// workflow moves on to the second and completes, and so does a resume.
@Suite final class FailoverTests {
    let home: TemporaryFolder
    let plugins: TemporaryFolder

    init() throws {
        home = try TemporaryFolder("failover-home")
        plugins = try TemporaryFolder("failover-plugins")
    }

    deinit {
        home.remove()
        plugins.remove()
    }

    func install(_ id: String, behaviour: Int) throws {
        var plugin = FixturePlugin.hostile(id: id)
        plugin.defines["HOSTILE_SHARED"] = "\(behaviour)"
        plugin.capabilityNames.append("shared.work")
        try plugin.install(in: plugins.url)
    }

    var database: String { home.url.appendingPathComponent("state.sqlite").path }

    func agenthost(_ arguments: String...) throws -> Command.Result {
        try Command.agenthost(arguments + ["--plugin-dir", plugins.url.path, "--state", database], home: home.url)
    }

    @Test func aStepWhoseAgentCrashesFailsOverToTheNextAgentAndTheRunCompletes() throws {
        try install("test.a-crasher", behaviour: 1)
        try install("test.b-steady", behaviour: 0)
        try home.file("work.yaml", """
            name: failover
            mode: sequential
            steps:
              - { id: work, capability: shared.work, input: { n: 1 } }
              - { id: after, capability: hostile.echo, agents: [test.b-steady], input: { done: "{{steps.work.result.worked}}" } }
            """)
        let result = try agenthost("workflow", "run", home.url.appendingPathComponent("work.yaml").path)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("completed: 2 of 2 steps completed"), "\(result.stdout)")
        let store = try TaskStore(path: database)
        let work = try store.tasks(ofRun: 1).filter { $0.step == "work" }
        #expect(work.map(\.agent) == ["test.a-crasher", "test.b-steady"])
        #expect(work.map(\.status) == [.failed, .completed])
        #expect(work[0].error?.contains("crashed (killed by SIGABRT)") == true, "\(work[0].error ?? "")")
        #expect(try store.run(id: 1)?.resultText == #"{"done":"test.b-steady"}"#)
    }

    @Test func aResumeAfterTheHostDiedMovesTheInterruptedStepToTheNextAgent() throws {
        try install("test.a-spinner", behaviour: 2)
        try install("test.b-steady", behaviour: 0)
        try home.file("spin.yaml", """
            name: spin
            mode: sequential
            steps:
              - { id: work, capability: shared.work, input: { n: 1 } }
            """)
        let process = try Command.startAgenthost(["workflow", "run", home.url.appendingPathComponent("spin.yaml").path,
                                                  "--plugin-dir", plugins.url.path, "--state", database], home: home.url)
        var store: TaskStore?
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if FileManager.default.fileExists(atPath: database), store == nil { store = try? TaskStore(path: database) }
            if let store, let attempts = try? store.attempts(of: 1), attempts.contains(where: { $0.outcome == .running }) { break }
            usleep(10_000)
        }
        // The spinner is running the step, in its own process; the host dies.
        // Its process starts with the step's call, just after the attempt is recorded.
        var found: pid_t?
        let started = Date().addingTimeInterval(10)
        while found == nil, Date() < started {
            found = Self.pluginProcesses(named: "test.a-spinner").first
            if found == nil { usleep(10_000) }
        }
        let spinner = try #require(found, "the spinner's process was not found")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        // Its plugin process does not outlive it.
        let gone = Date().addingTimeInterval(5)
        while kill(spinner, 0) == 0, Date() < gone { usleep(10_000) }
        #expect(kill(spinner, 0) != 0, "the spinner's process outlived its host")

        let resumed = try agenthost("resume", "1")
        #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")
        let opened = try #require(store)
        let work = try opened.tasks(ofRun: 1).filter { $0.step == "work" }
        #expect(work.map(\.agent) == ["test.a-spinner", "test.b-steady"])
        #expect(work.map(\.status) == [.interrupted, .completed])
        #expect(try opened.run(id: 1)?.status == .completed)
    }

    /// The pids of `agenthost-plugin-host` processes running the plugin `id`.
    static func pluginProcesses(named id: String) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry in
            guard let pid = pid_t(entry),
                  let data = FileManager.default.contents(atPath: "/proc/\(entry)/environ") else { return nil }
            return String(decoding: data, as: UTF8.self).split(separator: "\0").contains("AGENTHOST_PLUGIN_ID=\(id)") ? pid : nil
        }
    }
}

/// What a person at the terminal sees when a plugin misbehaves.
@Suite final class IsolationCLITests {
    let cli: CLIHome

    init() throws {
        var hostile = FixturePlugin.hostile()
        hostile.defines["HOSTILE_CONSTRUCTOR_OPEN"] = .some(nil)
        cli = try CLIHome("isolation-cli", fixtures: [hostile])
    }

    var home: TemporaryFolder { cli.home }
    var plugins: TemporaryFolder { cli.plugins }
    var database: String { cli.database }
    func agenthost(_ arguments: String...) throws -> Command.Result { try cli.agenthost(arguments) }

    @Test func aCrashIsAFailedTaskAndANonZeroExitWithTheReason() throws {
        let run = try agenthost("run", "hostile.segv")
        #expect(run.status == 1)
        #expect(run.stdout.isEmpty || !run.stdout.contains("completed"))
        #expect(run.stderr.contains("plugin 'test.hostile' crashed (killed by SIGSEGV)"), "\(run.stderr)")
        let shown = try agenthost("tasks", "show", "1")
        #expect(shown.stdout.contains("task 1: failed"), "\(shown.stdout)")
        let stats = try agenthost("stats")
        #expect(!stats.stdout.contains("100%"), "\(stats.stdout)")
    }

    /// Each hostile behaviour through the real CLI: a fault is exit 1 with the
    /// reason and a failed task; a refused escape is an ordinary answer; the
    /// host itself never dies, and the next command works.
    @Test(arguments: [("hostile.segv", "SIGSEGV"), ("hostile.abort", "SIGABRT"), ("hostile.exit", "exited with status 0"),
                      ("hostile.garbage", "SIGSEGV")])
    func faultsExitOneWithTheReason(capability: String, reason: String) throws {
        let run = try agenthost("run", capability)
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stderr.contains("plugin 'test.hostile'") && run.stderr.contains(reason), "\(run.stderr)")
        #expect(!run.stdout.contains("completed"))
        let echo = try agenthost("run", "hostile.echo", "--input", #"{"after":"\#(capability)"}"#)
        #expect(echo.status == 0 && echo.stdout == #"{"after":"\#(capability)"}"# + "\n", "\(echo.stdout)\(echo.stderr)")
    }

    @Test func escapesAreRefusedAnswersNotCrashes() throws {
        for (capability, expected) in [("hostile.open", #""opened":false"#), ("hostile.exec", #""execve_errno":1"#),
                                       ("hostile.connect", #""socket_errno":1"#)] {
            let run = try agenthost("run", capability, "--input", #"{"path":"/etc/passwd","port":9}"#)
            #expect(run.status == 0, "\(capability): \(run.stderr)")
            #expect(run.stdout.contains(expected), "\(capability): \(run.stdout)")
        }
    }

    @Test func aPluginsOutputGoesToTheLogNeverToTheResult() throws {
        let run = try agenthost("run", "hostile.flood", "--input", #"{"mb":8}"#, "--log-level", "info")
        #expect(run.status == 0, "\(run.stderr.suffix(500))")
        #expect(run.stdout == #"{"flooded":true}"# + "\n" || run.stdout.hasPrefix(#"{"flooded":true}"#), "\(run.stdout.prefix(300))")
        #expect(!run.stdout.contains("fake result line") && !run.stdout.contains("forged"))
        #expect(run.stderr.contains("output: task 1 completed: a fake result line"), "attributed to the plugin in the log")
        #expect(run.stderr.contains("lines of output dropped"), "a flood is cut to a rate")
        // Its constructor ran confined: it could not read /etc/passwd either.
        #expect(run.stderr.contains("constructor: fopen(/etc/passwd) failed"))
    }

    @Test func pluginsListAndInfoShowTheModeAndTheProtections() throws {
        let list = try agenthost("plugins", "list")
        #expect(list.stdout.contains("test.hostile 1.0.0  loaded, process  [--plugin-dir]"), "\(list.stdout)")
        #expect(list.stdout.contains("agenthost.knowledge 0.2.0  loaded, in-process, trusted  [bundled]"), "\(list.stdout)")
        let info = try agenthost("plugins", "info", "test.hostile")
        #expect(info.status == 0, "\(info.stderr)")
        #expect(info.stdout.contains("runs: isolated in its own process (not trusted)"), "\(info.stdout)")
        #expect(info.stdout.contains("protection: holds: seccomp"), "\(info.stdout)")
        try home.file("policy.yaml", "plugins: { test.hostile: { trusted: true } }")
        let inProcess = try agenthost("plugins", "list", "--policy", home.url.appendingPathComponent("policy.yaml").path)
        #expect(inProcess.stdout.contains("test.hostile 1.0.0  loaded, in-process, trusted"), "\(inProcess.stdout)")
    }
}
