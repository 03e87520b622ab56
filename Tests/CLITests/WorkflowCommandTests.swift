import AgentHostCore
import AgentHostTestSupport
import Foundation
import Testing

/// `workflow run`, `resume` and `runs` in real processes, with a real SQLite file.
@Suite final class WorkflowCommandTests {
    let cli: CLIHome

    init() throws { cli = try CLIHome(fixtures: [FixturePlugin(id: "test.worker")]) }

    var home: TemporaryFolder { cli.home }
    var plugins: TemporaryFolder { cli.plugins }
    var database: String { cli.database }
    func agenthost(_ arguments: String...) throws -> Command.Result { try cli.agenthost(arguments) }
    func write(_ name: String, _ yaml: String) throws -> String { try cli.write(name, yaml) }

    @Test func aHostKilledMidRunResumesFromItsLastCheckpoint() throws {
        let file = try write("slow.yaml", """
            name: slow
            mode: sequential
            steps:
              - { id: first, capability: fixture.echo, input: { n: 1 } }
              - { id: slow, capability: fixture.sleep, input: { ms: 1500, from: "{{steps.first.result.n}}" } }
              - { id: last, capability: fixture.echo, input: { after: "{{steps.slow.result.ms}}" } }
            """)
        let process = try Command.startAgenthost(["workflow", "run", file, "--plugin-dir", plugins.url.path, "--state", database], home: home.url)
        // Wait until the first step is checkpointed and the slow one is under way, then kill the host outright.
        var store: TaskStore?
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if FileManager.default.fileExists(atPath: database), store == nil { store = try? TaskStore(path: database) }
            if let store, let attempts = try? store.attempts(of: 1), attempts.contains(where: { $0.step == "slow" && $0.outcome == .running }) { break }
            usleep(10_000)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let opened = try #require(store, "the run never started")
        #expect(try opened.run(id: 1)?.status == .interrupted, "the killed host's run reads as interrupted")
        #expect(try opened.checkpoints(of: 1).map(\.step) == ["first"])
        #expect(try opened.tasks(ofRun: 1).contains { $0.step == "slow" && $0.status == .interrupted })
        let listed = try agenthost("runs", "list")
        #expect(listed.stdout.contains("interrupted slow (sequential)"), "\(listed.stdout)")
        #expect(listed.stdout.contains("`agenthost resume 1` goes on from its checkpoints"), "\(listed.stdout)")

        let resumed = try agenthost("resume", "1")
        #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")
        #expect(resumed.stdout.contains("kept   first"), "\(resumed.stdout)")
        #expect(resumed.stdout.contains("run 1 'slow' completed: 3 of 3 steps completed, 1 kept from checkpoints"), "\(resumed.stdout)")

        let tasks = try opened.tasks(ofRun: 1)
        #expect(tasks.filter { $0.step == "first" }.count == 1, "no completed step runs again")
        let slow = tasks.filter { $0.step == "slow" }
        #expect(slow.map(\.status) == [.interrupted, .completed], "the interrupted attempt is closed, not lost, and the step ran again")
        #expect(slow[0].error?.contains("interrupted: its host (pid \(process.processIdentifier)") == true, "\(slow[0].error ?? "")")
        #expect(!tasks.contains { $0.status == .inProgress || $0.status == .pending }, "no task is left open")
        let run = try #require(try opened.run(id: 1))
        #expect(run.status == .completed && run.resumes == 1)
        #expect(run.resultText == #"{"after":1500}"#)

        let again = try agenthost("resume", "1")
        #expect(again.status != 0)
        #expect(again.stderr.contains("run 1 is completed; only a run that was interrupted (its host died) or cancelled can be resumed"))
    }

    @Test func workflowRunShowsProgressAndASummaryAndRunsShowTracesIt() throws {
        let file = try write("ok.yaml", """
            name: two
            mode: parallel
            steps:
              - { id: a, capability: fixture.echo, input: { a: 1 } }
              - { id: b, capability: fixture.fail }
            """)
        let run = try agenthost("workflow", "run", file)
        #expect(run.status == 1, "a run with a failed step does not succeed: \(run.stderr)")
        #expect(run.stdout.contains("done   a"))
        #expect(run.stdout.contains("fail   b"))
        #expect(run.stdout.contains("run 1 'two' partial: 1 of 2 steps completed, 1 failed"), "\(run.stdout)")
        #expect(run.stdout.contains("1 of 2 steps completed, 1 failed (b)"), "\(run.stdout)")
        #expect(run.stdout.contains(#"result:   {"a":{"a":1}}"#))

        let list = try agenthost("runs", "list")
        #expect(list.stdout.contains("partial     two (parallel)"), "\(list.stdout)")

        // The same failure, declared optional, lets the run complete.
        let optional = try write("optional.yaml", """
            name: two-optional
            mode: parallel
            steps:
              - { id: a, capability: fixture.echo, input: { a: 1 } }
              - { id: b, capability: fixture.fail, optional: true }
            """)
        let lenient = try agenthost("workflow", "run", optional)
        #expect(lenient.status == 0, "\(lenient.stdout)\(lenient.stderr)")
        #expect(lenient.stdout.contains("run 2 'two-optional' completed: 1 of 2 steps completed, 1 failed"), "\(lenient.stdout)")
        let show = try agenthost("runs", "show", "1")
        #expect(show.stdout.contains("attempt a#1 on test.worker: completed"))
        #expect(show.stdout.contains("checkpoint 1:") && show.stdout.contains("finished"))
        let json = try agenthost("runs", "show", "1", "--json")
        let trace = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((trace["attempts"] as? [Any])?.count == 2)
    }

    @Test func badWorkflowsFailBeforeAnythingRunsAndLoseNothingStored() throws {
        let good = try write("good.yaml", "name: good\nmode: sequential\nsteps:\n  - { id: a, capability: fixture.echo }\n")
        #expect(try agenthost("workflow", "run", good).status == 0)

        let broken = try write("broken.yaml", "name: broken\nmode: sequential\nsteps:\n  - { id: a, capability: fixture.echo, needz: [b] }\n")
        let refused = try agenthost("workflow", "run", broken)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("line 4: unknown key 'needz' in a step"), "\(refused.stderr)")

        let unknown = try write("unknown.yaml", "name: unknown\nmode: sequential\nsteps:\n  - { id: a, capability: fixture.nope }\n")
        let invalid = try agenthost("workflow", "validate", unknown)
        #expect(invalid.status != 0)
        #expect(invalid.stderr.contains("line 4, step 'a': no agent declares the capability 'fixture.nope'"), "\(invalid.stderr)")

        #expect(try agenthost("resume", "42").stderr.contains("there is no run 42"))
        let list = try agenthost("runs", "list")
        #expect(list.stdout.contains("completed   good"), "the earlier run is still there")
        #expect(!list.stdout.contains("broken") && !list.stdout.contains("unknown"))

        let validate = try agenthost("workflow", "validate", good)
        #expect(validate.status == 0)
        #expect(validate.stdout.contains("level 1: a"))
    }
}

/// The README's workflow commands, run as written from the repository root with the bundled agents.
@Suite struct ExampleWorkflowTests {
    @Test func everyExampleWorkflowInTheReadmeCompletes() throws {
        let home = try TemporaryFolder("home")
        defer { home.remove() }
        let readme = try String(contentsOf: PackagePaths.root.appendingPathComponent("README.md"), encoding: .utf8)
        let files = readme.split(separator: "\n").compactMap { line -> String? in
            guard let range = line.range(of: "agenthost workflow run examples/workflows/") else { return nil }
            return String(line[range.upperBound...].prefix { !$0.isWhitespace })
        }
        #expect(Set(files).isSuperset(of: ["sequential.yaml", "parallel.yaml", "hierarchical.yaml", "consensus.yaml", "plan.yaml"]))
        for file in Set(files).sorted() {
            let result = try Command.run(PackagePaths.agenthostExecutable.path,
                                         ["workflow", "run", "examples/workflows/\(file)", "--state", home.url.appendingPathComponent("s.sqlite").path],
                                         environment: ["HOME": home.url.path, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"],
                                         currentDirectory: PackagePaths.root)
            #expect(result.status == 0, "\(file): \(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("completed:"), "\(file): \(result.stdout)")
        }
    }
}

/// The README's end-to-end example: research, plan, scaffold and build, test, review, with a trace.
@Suite struct EndToEndExampleTests {
    @Test func theEndToEndExampleRunsAndItsTraceSaysWhoDidWhat() throws {
        let home = try TemporaryFolder("home")
        let workspace = try TemporaryFolder("e2e")
        defer { home.remove(); workspace.remove() }
        let readme = try String(contentsOf: PackagePaths.root.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains("agenthost workflow run examples/end-to-end/workflow.yaml"))
        // The research step reads the workspace's docs: give it the README.
        try workspace.file("README.md", readme)
        let database = home.url.appendingPathComponent("e2e.sqlite").path
        let environment = ["HOME": home.url.path, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"]
        let workflow = PackagePaths.root.appendingPathComponent("examples/end-to-end/workflow.yaml").path
        let run = try Command.run(PackagePaths.agenthostExecutable.path,
                                  ["workflow", "run", workflow, "--workspace", workspace.url.path, "--state", database],
                                  environment: environment, currentDirectory: workspace.url)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("6 of 6 steps completed"), "\(run.stdout)")
        #expect(FileManager.default.fileExists(atPath: workspace.url.appendingPathComponent("examples/end-to-end/work/calc/src/calc/__init__.py").path))
        let trace = try Command.run(PackagePaths.agenthostExecutable.path, ["runs", "show", "1", "--state", database],
                                    environment: environment, currentDirectory: workspace.url)
        for (step, agent) in [("research", "knowledge"), ("plan", "planner"), ("scaffold", "code"), ("build", "code"),
                              ("test", "test"), ("review", "review")] {
            #expect(trace.stdout.contains("attempt \(step)#1 on agenthost.\(agent): completed"), "\(trace.stdout)")
        }
        #expect(trace.stdout.contains("\"verdict\":\"approve\""))
    }
}
