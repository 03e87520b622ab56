import AgentHostCore
import AgentHostTestSupport
import Foundation
import Testing

/// `agenthost serve` as a real process on loopback, with real fixture
/// plugins and a real SQLite store, spoken to over real sockets.
@Suite final class ServeTests {
    let cli: CLIHome

    init() throws { cli = try CLIHome("serve", fixtures: [FixturePlugin(id: "test.worker")]) }

    func serve(_ arguments: String..., environment: [String: String] = [:]) throws -> ServedHost {
        try ServedHost(arguments + ["--plugin-dir", cli.plugins.url.path, "--state", cli.database], home: cli.home.url,
                       extraEnvironment: environment)
    }

    func object(_ response: LoopbackHTTPConnection.Response) throws -> [String: Any] {
        try #require(response.json as? [String: Any], "not a JSON object: \(response.status) \(response.text)")
    }

    /// The `event:` names and `data:` objects of a server-sent event stream.
    func events(_ response: LoopbackHTTPConnection.Response) -> [(name: String, data: [String: Any])] {
        response.text.components(separatedBy: "\n\n").compactMap { block in
            let lines = block.split(separator: "\n")
            guard let name = lines.first(where: { $0.hasPrefix("event: ") })?.dropFirst(7),
                  let data = lines.first(where: { $0.hasPrefix("data: ") })?.dropFirst(6),
                  let object = try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any] else { return nil }
            return (String(name), object)
        }
    }

    @Test func aTaskRunsOverHTTPAndIsStoredWithItsProgressStreamed() throws {
        let server = try serve()
        #expect(try server.request("GET", "/healthz").status == 200)
        #expect(try server.request("GET", "/readyz").text.contains("ready"))
        let agents = try #require(try server.request("GET", "/v1/agents").json as? [[String: Any]])
        #expect(agents.contains { $0["id"] as? String == "test.worker" && ($0["capabilities"] as? [String])?.contains("fixture.echo") == true })
        let capabilities = try #require(try server.request("GET", "/v1/capabilities").json as? [[String: Any]])
        #expect(capabilities.contains { $0["name"] as? String == "fixture.sleep" && $0["agents"] as? [String] == ["test.worker"] })

        // Waited for: the answer is in the response, the task in the store.
        let connection = try server.connect()
        let waited = try connection.send("POST", "/v1/tasks?wait=true", json: #"{"capability": "fixture.echo", "input": {"n": 7}}"#)
        #expect(waited.status == 200, "\(waited.text)")
        let job = try object(waited)
        #expect(job["status"] as? String == "completed")
        #expect((job["result"] as? [String: Any])?["n"] as? Int == 7, "\(waited.text)")
        let taskID = try #require(job["task_id"] as? Int)
        #expect(try cli.store().task(id: Int64(taskID))?.status == .completed)

        // Not waited for: 202 and where to look; its events end with its outcome.
        let accepted = try connection.send("POST", "/v1/tasks", json: #"{"capability": "fixture.callbacks", "agents": ["test.worker"]}"#)
        #expect(accepted.status == 202, "\(accepted.text)")
        let location = try #require(accepted.headers["location"])
        let stream = try server.request("GET", location + "/events")
        #expect(stream.headers["content-type"] == "text/event-stream")
        let names = events(stream).map(\.name)
        #expect(names.contains("progress") && names.last == "end", "\(stream.text)")
        #expect(events(stream).first { $0.name == "progress" }?.data["message"] as? String == "half way")
        // fixture.callbacks ends by handing off to an agent that is not loaded: a failed job, with the reason.
        let done = try object(try connection.send("GET", location))
        #expect(done["status"] as? String == "failed" && (done["error"] as? String)?.contains("test.allowed") == true, "\(done)")
        #expect(events(stream).last?.data["status"] as? String == "failed")
        let list = try #require(try connection.send("GET", "/v1/jobs?limit=5").json as? [[String: Any]])
        #expect(list.map { $0["id"] as? Int } == [2, 1])
    }

    @Test func aWorkflowRunStreamsItsStepsAndItsTimelineIsServed() throws {
        let server = try serve()
        let workflow = """
            name: two
            mode: sequential
            steps:
              - { id: a, capability: fixture.echo, input: { a: 1 } }
              - { id: b, capability: fixture.echo, input: { b: "{{steps.a.result.a}}" } }
            """
        let body = String(decoding: try JSONSerialization.data(withJSONObject: ["workflow": workflow]), as: UTF8.self)
        let accepted = try server.request("POST", "/v1/runs", json: body)
        #expect(accepted.status == 202, "\(accepted.text)")
        let id = try #require(try object(accepted)["id"] as? Int)
        let stream = events(try server.request("GET", "/v1/jobs/\(id)/events"))
        #expect(stream.map(\.name) == ["step_started", "step_ended", "step_started", "step_ended", "end"], "\(stream.map(\.name))")
        #expect(stream.last?.data["status"] as? String == "completed")
        let runID = try #require(stream.last?.data["run_id"] as? Int)
        #expect(try cli.store().run(id: Int64(runID))?.status == .completed)
        let page = try server.request("GET", "/v1/runs/\(runID)/timeline")
        #expect(page.status == 200 && page.text.contains("class=\"lane\" data-agent=\"test.worker\""))
        let trace = try server.request("GET", "/v1/runs/\(runID)/timeline?format=chrome")
        #expect(((trace.json as? [String: Any])?["traceEvents"] as? [Any])?.isEmpty == false)
        // The same workflow as a JSON object, waited for.
        let waited = try server.request("POST", "/v1/runs?wait=1",
                                        json: #"{"workflow": {"name": "one", "mode": "sequential", "steps": [{"id": "a", "capability": "fixture.echo"}]}}"#)
        #expect(try object(waited)["status"] as? String == "completed", "\(waited.text)")
    }

    @Test func aJobIsCancelledOnRequest() throws {
        let server = try serve()
        let accepted = try object(try server.request("POST", "/v1/tasks", json: #"{"capability": "fixture.sleep", "input": {"ms": 30000}}"#))
        let id = try #require(accepted["id"] as? Int)
        #expect(BackgroundHost.until { (try? self.object(try server.request("GET", "/v1/jobs/\(id)")))?["status"] as? String == "running" })
        let cancel = try server.request("POST", "/v1/jobs/\(id)/cancel")
        #expect(cancel.status == 202, "\(cancel.text)")
        let stream = events(try server.request("GET", "/v1/jobs/\(id)/events"))
        #expect(stream.last?.data["status"] as? String == "cancelled", "\(stream.map(\.data))")
        #expect(try cli.store().tasks(status: .cancelled).count == 1)
    }

    @Test func badRequestsAreRefusedNamingWhatIsWrong() throws {
        let server = try serve()
        let cases: [(String, String, Int, String)] = [
            ("/v1/tasks", "{bad", 400, "is not JSON"),
            ("/v1/tasks", "[1]", 400, "must be a JSON object"),
            ("/v1/tasks", "{}", 400, #"\"capability\""#),
            ("/v1/tasks", #"{"capability": 3}"#, 400, "non-empty string"),
            ("/v1/tasks", #"{"capability": "fixture.echo", "input": [1]}"#, 400, "must be a JSON object"),
            ("/v1/tasks", #"{"capability": "fixture.echo", "timeout_ms": 1e300}"#, 400, "timeout_ms"),
            ("/v1/tasks", #"{"capability": "fixture.echo", "state": "DREAMING"}"#, 400, "PLANNING, EXECUTING"),
            ("/v1/runs", #"{"workflow": "name: x\nmode: sideways\nsteps: []"}"#, 400, "sideways"),
            ("/v1/runs", #"{"workflow": 12}"#, 400, "its YAML as a string"),
        ]
        for (path, body, status, words) in cases {
            let response = try server.request("POST", path, json: body)
            #expect(response.status == status, "\(body): \(response.status) \(response.text)")
            #expect(response.text.contains(words), "\(body): \(response.text)")
        }
        let notUTF8 = try server.connect().send("POST", "/v1/tasks", body: [0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x7D])
        #expect(notUTF8.status == 400 && notUTF8.text.contains("not UTF-8"), "\(notUTF8.text)")
        let missing = try server.request("GET", "/v1/jobs/42")
        #expect(missing.status == 404 && missing.text.contains("no job 42"))
        #expect(try server.request("GET", "/v1/jobs/x").status == 400)
        #expect(try server.request("GET", "/v1/jobs?limit=0").status == 400)
        #expect(try server.request("GET", "/v1/runs/7/timeline").status == 404)
        // An unknown capability is a job that fails, with the router's words, not a crash.
        let unknown = try object(try server.request("POST", "/v1/tasks?wait=true", json: #"{"capability": "fixture.nope"}"#))
        #expect(unknown["status"] as? String == "failed")
        #expect((unknown["error"] as? String)?.contains("fixture.nope") == true, "\(unknown)")
        #expect(try server.request("GET", "/healthz").status == 200, "still up")
    }

    @Test func beyondLoopbackABearerTokenIsRequired() throws {
        let refused = try cli.agenthost(["serve", "--host", "0.0.0.0", "--port", "0"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("set a bearer token first"), "\(refused.stderr)")
        let short = try cli.write("short.token", "abc\n")
        #expect(try cli.agenthost(["serve", "--token-file", short]).stderr.contains("at least 16 characters"))
        #expect(try cli.agenthost(["serve", "--port", "70000"]).status != 0)

        let token = "0123456789abcdef0123456789abcdef"
        let server = try serve("--host", "0.0.0.0", environment: ["AGENTHOST_SERVE_TOKEN": token])
        #expect(try server.request("GET", "/healthz").status == 200, "probes need no token")
        let anonymous = try server.request("GET", "/v1/agents")
        #expect(anonymous.status == 401 && anonymous.headers["www-authenticate"] == "Bearer")
        #expect(try server.request("GET", "/v1/agents", headers: ["Authorization": "Bearer wrong"]).status == 401)
        #expect(try server.request("GET", "/v1/agents", headers: ["Authorization": "Bearer \(token)"]).status == 200)
    }

    @Test func sigtermFinishesWhatRunsWithinTheGraceAndCancelsTheRestResumably() throws {
        // Within the grace: the task finishes, its answer is kept.
        let patient = try serve("--drain-seconds", "30")
        let short = try object(try patient.request("POST", "/v1/tasks", json: #"{"capability": "fixture.sleep", "input": {"ms": 800}}"#))
        #expect(BackgroundHost.until { (try? self.cli.store().tasks(status: .inProgress).count) == 1 })
        patient.process.signal(SIGTERM)
        #expect(BackgroundHost.until(10) { (try? patient.request("GET", "/readyz").status) == 503 || !patient.process.process.isRunning })
        #expect(patient.process.wait() == 0, "\(patient.process.stderr)")
        #expect(patient.process.stdout.contains("stopped"))
        #expect(try cli.store().task(id: 1)?.status == .completed, "job \(short["id"] ?? "-") finished in the grace")

        // Past the grace: the run is cancelled with its checkpoints, and resumes.
        let hasty = try serve("--drain-seconds", "1")
        let workflow = #"{"workflow": "name: slow\nmode: sequential\nsteps:\n  - { id: first, capability: fixture.echo }\n  - { id: slow, capability: fixture.sleep, input: { ms: 30000 } }\n  - { id: last, capability: fixture.echo }\n"}"#
        #expect(try hasty.request("POST", "/v1/runs", json: workflow).status == 202)
        #expect(BackgroundHost.until { (try? self.cli.store().tasks(status: .inProgress).contains { $0.step == "slow" }) == true })
        #expect(hasty.stop() == 0, "\(hasty.process.stderr)")
        #expect(try cli.store().run(id: 1)?.status == .cancelled)
        #expect(try cli.store().run(id: 1)?.status.isResumable == true)
        #expect(try cli.store().checkpoints(of: 1).contains { $0.step == "first" && $0.status == .completed })
    }
}
