import AgentHostCore
import AgentHostTestSupport
import Foundation
import Testing

/// Work has an owner: real hosts killed, signalled and resumed against one
/// real SQLite file.
@Suite final class OwnershipTests {
    let cli: CLIHome

    init() throws { cli = try CLIHome(fixtures: [FixturePlugin(id: "test.worker")]) }

    var home: TemporaryFolder { cli.home }
    var plugins: TemporaryFolder { cli.plugins }
    var database: String { cli.database }
    func agenthost(_ arguments: String...) throws -> Command.Result { try cli.agenthost(arguments) }
    func start(_ arguments: String...) throws -> BackgroundHost { try cli.start(arguments) }
    func write(_ name: String, _ yaml: String) throws -> String { try cli.write(name, yaml) }
    func store() throws -> TaskStore { try cli.store() }

    /// Waits until a task of `capability` (or of the run's step `step`) is in progress.
    func waitUntilRunning(step: String? = nil, capability: String? = nil) -> Bool {
        BackgroundHost.until {
            guard let store = try? TaskStore(path: database, access: .readOnly), let tasks = try? store.tasks(status: .inProgress) else { return false }
            return tasks.contains { (step == nil || $0.step == step) && (capability == nil || $0.capability == capability) }
        }
    }

    func slowWorkflow(ms: Int = 1500) throws -> String {
        try write("slow.yaml", """
            name: slow
            mode: sequential
            steps:
              - { id: first, capability: fixture.echo, input: { n: 1 } }
              - { id: slow, capability: fixture.sleep, input: { ms: \(ms) } }
              - { id: last, capability: fixture.echo, input: { after: "{{steps.slow.result.ms}}" } }
            """)
    }

    @Test func aKilledRunIsShownInterruptedAndCanBeRunAgain() throws {
        let host = try start("run", "fixture.sleep", "--input", #"{"ms": 800}"#)
        #expect(waitUntilRunning(capability: "fixture.sleep"), "the task never started")
        host.signal(SIGKILL)
        host.wait()

        let list = try agenthost("tasks", "list")
        #expect(list.stdout.contains("1      interrupted fixture.sleep"), "\(list.stdout)")
        #expect(list.stdout.contains("`agenthost tasks retry 1` runs it again"), "\(list.stdout)")
        let show = try agenthost("tasks", "show", "1")
        #expect(show.stdout.contains("error:     interrupted: its host (pid \(host.pid)"), "\(show.stdout)")

        // A writing command sweeps the dead host's work: the store itself now says interrupted.
        let retry = try agenthost("tasks", "retry", "1")
        #expect(retry.status == 0, "\(retry.stderr)")
        #expect(retry.stdout.contains(#""ms": 800"#), "\(retry.stdout)")
        let stored = try #require(try store().task(id: 1))
        #expect(stored.status == .interrupted)
        #expect(try store().task(id: 2)?.status == .completed)
        #expect(try agenthost("tasks", "retry", "2").stderr.contains("task 2 is completed; only a task that was interrupted"))
    }

    @Test func twoResumesAtOnceRunTheRemainingStepsOnce() throws {
        let file = try slowWorkflow()
        let original = try start("workflow", "run", file)
        #expect(waitUntilRunning(step: "slow"), "the slow step never started")
        original.signal(SIGKILL)
        original.wait()

        let results = ConcurrentResults()
        let arguments = ["resume", "1", "--plugin-dir", plugins.url.path, "--state", database], folder = home.url
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            results.append(Result { try Command.agenthost(arguments, home: folder) })
        }
        let outcomes = try results.values.map { try $0.get() }
        let winners = outcomes.filter { $0.status == 0 }
        #expect(winners.count == 1, "exactly one resume runs the run: \(outcomes.map { $0.stderr })")
        let loser = try #require(outcomes.first { $0.status != 0 })
        #expect(loser.stderr.contains("run 1 is running on host") || loser.stderr.contains("run 1 is completed"), "\(loser.stderr)")

        let tasks = try store().tasks(ofRun: 1)
        #expect(tasks.filter { $0.step == "first" }.count == 1, "the checkpointed step does not run again")
        #expect(tasks.filter { $0.step == "slow" }.map(\.status) == [.interrupted, .completed], "the interrupted step ran once more, not twice")
        #expect(tasks.filter { $0.step == "last" }.count == 1)
        #expect(try store().run(id: 1)?.status == .completed)
    }

    @Test func aResumeOfARunWhoseHostIsAliveIsRefusedNamingTheHost() throws {
        let file = try slowWorkflow(ms: 20_000)
        let original = try start("workflow", "run", file)
        defer { original.signal(SIGKILL); original.wait() }
        #expect(waitUntilRunning(step: "slow"), "the slow step never started")

        let refused = try agenthost("resume", "1")
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("run 1 is running on host 1 (pid \(original.pid) on "), "\(refused.stderr)")
        #expect(refused.stderr.contains("it cannot be resumed while that host is alive"), "\(refused.stderr)")
        let list = try agenthost("runs", "list")
        #expect(list.stdout.contains("running     slow"), "\(list.stdout)")
        #expect(try store().tasks(ofRun: 1).filter { $0.step == "slow" }.count == 1, "the refused resume started nothing")
    }

    @Test(arguments: [(SIGINT, Int32(130)), (SIGTERM, Int32(143))])
    func aSignalCancelsTheRunRecordsItAndTheRunResumes(signal: Int32, code: Int32) throws {
        let file = try slowWorkflow(ms: 20_000)
        let host = try start("workflow", "run", file)
        #expect(waitUntilRunning(step: "slow"), "the slow step never started")
        host.signal(signal)
        #expect(host.wait() == code, "\(host.stdout)\(host.stderr)")
        #expect(host.stderr.contains("cancelling the running work"), "\(host.stderr)")
        #expect(host.stdout.contains("run 1 'slow' cancelled"), "\(host.stdout)")
        #expect(host.stdout.contains("resume:   agenthost resume 1 --plugin-dir \(plugins.url.path) --state \(database)"), "\(host.stdout)")

        let run = try #require(try store().run(id: 1))
        #expect(run.status == .cancelled)
        let slow = try store().tasks(ofRun: 1).filter { $0.step == "slow" }
        #expect(slow.map(\.status) == [.cancelled], "the running call saw is_cancelled and ended")
        #expect(!(try store().tasks(ofRun: 1)).contains { !$0.status.isFinished }, "nothing is left open")
        #expect(try store().checkpoints(of: 1).map(\.step) == ["first"], "the cut step has no checkpoint, so it runs again")

        // Cancelled is resumable: the cut step starts again, the checkpointed one does not.
        let resumed = try start("resume", "1")
        defer { resumed.signal(SIGKILL); resumed.wait() }
        #expect(waitUntilRunning(step: "slow"), "\(resumed.stdout)\(resumed.stderr)")
        #expect(resumed.stdout.contains("kept   first"), "\(resumed.stdout)")
        #expect(try store().tasks(ofRun: 1).filter { $0.step == "first" }.count == 1)
    }

    /// Found trying it by hand: a plugin that ignores cancellation is stopped by the host after its grace, and that
    /// is the task's cancellation too, not a failure.
    @Test func oneSigintCancelsAPluginThatIgnoresItOnceItsGraceIsOver() throws {
        try FixturePlugin.hostile(id: "test.hostile").install(in: plugins.url)
        let host = try start("run", "hostile.spin")
        #expect(waitUntilRunning(capability: "hostile.spin"), "the task never started")
        host.signal(SIGINT)
        #expect(host.wait() == 130)
        #expect(try store().task(id: 1)?.status == .cancelled)
        #expect(host.stderr.contains("Error: task 1 cancelled"), "\(host.stderr)")
        #expect(!host.stderr.contains("Error: Error:"), "\(host.stderr)")
    }

    @Test func aSecondSigintStopsAtOnceAndRecordsTheWorkCancelled() throws {
        try FixturePlugin.hostile(id: "test.hostile").install(in: plugins.url)
        // hostile.spin never looks at is_cancelled; in its own process it would be killed after a grace.
        let host = try start("run", "hostile.spin")
        #expect(waitUntilRunning(capability: "hostile.spin"), "the task never started")
        host.signal(SIGINT)
        #expect(BackgroundHost.until { host.stderr.contains("cancelling the running work") })
        host.signal(SIGINT)
        #expect(host.wait() == 130)
        #expect(host.stderr.contains("stopped at once (a second signal)"), "\(host.stderr)")
        #expect(try store().task(id: 1)?.status == .cancelled)
    }

    @Test func ctrlCInAChatClosesTheConversation() throws {
        let host = try start("chat", "--strategy", "single-agent", "--agent", "test.worker=worker")
        #expect(BackgroundHost.until { host.stdout.contains("conversation 1 (single-agent)") }, "\(host.stderr)")
        host.signal(SIGINT)
        #expect(host.wait() == 130, "\(host.stdout)\(host.stderr)")
        #expect(host.stdout.contains("conversation 1 closed; `agenthost chat --resume 1` continues it"), "\(host.stdout)")
        #expect(try store().conversationStatus(1) == "closed")
    }

    @Test func twoHostsOnOneStoreNeverHoldOneResourceAtOnceAndADeadHostsLeaseIsFreed() throws {
        func workflow(_ name: String, ms: Int) throws -> String {
            try write("\(name).yaml", """
                name: \(name)
                mode: sequential
                steps:
                  - { id: edit, capability: fixture.sleep, input: { ms: \(ms) }, resources: ["file:shared.txt"] }
                """)
        }
        let holder = try start("workflow", "run", try workflow("holder", ms: 30_000))
        defer { holder.signal(SIGKILL); holder.wait() }
        #expect(BackgroundHost.until { (try? self.store().leaseHolders()["file:shared.txt"]) != nil }, "\(holder.stderr)")
        let first = try #require(try store().leaseHolders()["file:shared.txt"])

        let waiter = try start("workflow", "run", try workflow("waiter", ms: 50))
        defer { waiter.signal(SIGKILL); waiter.wait() }
        #expect(BackgroundHost.until { (try? self.store().tasks(ofRun: 2).count) == 1 }, "\(waiter.stderr)")
        // Its step would take 50 ms; while the other host lives it waits for the lease instead.
        usleep(500_000)
        #expect(try store().tasks(ofRun: 2).first?.status == .inProgress)
        #expect(try store().leaseHolders() == ["file:shared.txt": first], "one holder, the first host")

        holder.signal(SIGKILL)
        holder.wait()
        #expect(waiter.wait() == 0, "\(waiter.stdout)\(waiter.stderr)")
        #expect(try store().run(id: 2)?.status == .completed)
        #expect(try store().events(ofRun: 2).contains { $0.kind == .leaseWaited && $0.detail.contains("file:shared.txt") })
        #expect(try store().leaseHolders().isEmpty, "the dead host's lease was dropped and the waiter gave its own back")
    }

    /// SIGKILL: the host dies at once, and the guard's lifeline ends the programs. SIGTERM: the call is cancelled, the
    /// host stops them, records the task cancelled and exits 143.
    @Test(arguments: [SIGKILL, SIGTERM])
    func aStoppedHostsProgramsAreGoneBeforeResumeRunsThemAgain(signal: Int32) throws {
        let workspace = try TemporaryFolder("workspace")
        defer { workspace.remove() }
        // A program that starts a program of its own, both writing their pids, then both sleeping.
        let script = """
            import os, time
            child = os.fork()
            if child == 0:
                open('child.pid', 'w').write(str(os.getpid())); time.sleep(60); os._exit(0)
            open('parent.pid', 'w').write(str(os.getpid())); time.sleep(60)
            """
        let file = try write("build.yaml", """
            name: build
            mode: sequential
            steps:
              - id: build
                capability: code.run
                input: { command: ["python3", "-c", \(String(decoding: try JSONEncoder().encode(script), as: UTF8.self))] }
            """)
        let host = try BackgroundHost(["workflow", "run", file, "--state", database, "--workspace", workspace.url.path], home: home.url)
        func pid(_ name: String) -> pid_t? {
            (try? String(contentsOf: workspace.url.appendingPathComponent(name), encoding: .utf8)).flatMap { pid_t($0) }
        }
        #expect(BackgroundHost.until { pid("parent.pid") != nil && pid("child.pid") != nil }, "\(host.stderr)")
        host.signal(signal)
        let status = host.wait()
        let programs = [pid("parent.pid"), pid("child.pid")].compactMap { $0 }
        #expect(programs.count == 2)
        #expect(BackgroundHost.until(10) { programs.allSatisfy { kill($0, 0) != 0 } }, "the step's programs outlived their host")
        if signal == SIGTERM {
            #expect(status == 143, "\(host.stdout)\(host.stderr)")
            #expect(try store().tasks(ofRun: 1).map(\.status) == [.cancelled])
            #expect(try store().run(id: 1)?.status == .cancelled)
        } else {
            #expect(try store().run(id: 1)?.status == .interrupted)
        }
    }
}

/// Results gathered from several threads.
final class ConcurrentResults: @unchecked Sendable {
    // @unchecked: `items` is only touched under `lock`.
    private let lock = NSLock()
    private var items: [Result<Command.Result, any Error>] = []
    func append(_ result: Result<Command.Result, any Error>) { lock.withLock { items.append(result) } }
    var values: [Result<Command.Result, any Error>] { lock.withLock { items } }
}
