import AgentHostCore
import AgentHostTestSupport
import Foundation
import Testing

/// Spans exported over OTLP/HTTP by the real CLI, received on loopback by a
/// real OTLP receiver that decodes them with the official OpenTelemetry
/// protobuf definitions (`opentelemetry-proto`, Tests/requirements.txt).
@Suite final class TraceExportTests {
    let cli: CLIHome

    init() throws {
        cli = try CLIHome("traces", fixtures: [FixturePlugin(id: "test.worker"), .handingOff(id: "test.front", to: "test.back"),
                                              FixturePlugin(id: "test.back")])
    }

    /// A span as the receiver wrote it.
    struct Span {
        var traceID: String
        var id: String
        var parent: String
        var name: String
        /// 2 is STATUS_CODE_ERROR.
        var status: Int
        var attributes: [String: Any]
        var service: String?
    }

    /// The receiver, started on a free loopback port; its spans file.
    final class Receiver {
        let process: Process
        let spans: URL
        let port: Int

        init(folder: TemporaryFolder) throws {
            let python = PackagePaths.root.appendingPathComponent(".venv/bin/python3").path
            try #require(FileManager.default.isExecutableFile(atPath: python),
                         "the OTLP receiver needs .venv with Tests/requirements.txt (bash .ci/run makes it)")
            spans = folder.url.appendingPathComponent("spans.jsonl")
            let portFile = folder.url.appendingPathComponent("port")
            let process = Process()
            self.process = process
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = [PackagePaths.root.appendingPathComponent("Tests/Fixtures/otlp_receiver.py").path, spans.path, portFile.path]
            try process.run()
            var port: Int?
            _ = BackgroundHost.until(30) {
                port = (try? String(contentsOf: portFile, encoding: .utf8)).flatMap { Int($0) }
                return port != nil || !process.isRunning
            }
            guard let port else {
                process.terminate()
                throw FixtureError("the OTLP receiver did not start (is opentelemetry-proto in .venv?)")
            }
            self.port = port
        }

        deinit {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        var endpoint: String { "http://127.0.0.1:\(port)" }

        func received() -> [Span] {
            guard let text = try? String(contentsOf: spans, encoding: .utf8) else { return [] }
            return text.split(separator: "\n").compactMap { line in
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
                return Span(traceID: object["trace_id"] as? String ?? "", id: object["span_id"] as? String ?? "",
                            parent: object["parent_span_id"] as? String ?? "", name: object["name"] as? String ?? "",
                            status: object["status"] as? Int ?? 0, attributes: object["attributes"] as? [String: Any] ?? [:],
                            service: object["service"] as? String)
            }
        }
    }

    @Test func aWorkflowsSpansFormOneTreeAfterTheGenAIConventions() throws {
        let folder = try TemporaryFolder("otlp")
        defer { folder.remove() }
        let receiver = try Receiver(folder: folder)
        let file = try cli.write("traced.yaml", """
            name: traced
            mode: sequential
            steps:
              - { id: pass, capability: fixture.handoff, agents: [test.front], input: { hop: 0 } }
              - { id: trace, capability: fixture.trace, agents: [test.worker] }
              - { id: calls, capability: fixture.callbacks, agents: [test.worker], optional: true }
            """)
        let run = try cli.agenthost(["workflow", "run", file, "--otlp-endpoint", receiver.endpoint])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(BackgroundHost.until(10) { receiver.received().contains { $0.name == "invoke_workflow traced" } },
                "the spans were sent before the command exited")
        let spans = receiver.received()
        let byID = Dictionary(spans.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        func parent(of span: Span) -> Span? { byID[span.parent] }
        func one(_ name: String) throws -> Span { try #require(spans.first { $0.name == name }, "no span '\(name)' in \(spans.map(\.name))") }

        #expect(Set(spans.map(\.traceID)).count == 1, "one trace")
        #expect(spans.allSatisfy { $0.service == "agenthost" })
        let root = try one("invoke_workflow traced")
        #expect(root.parent.isEmpty)
        #expect(root.attributes["gen_ai.operation.name"] as? String == "invoke_workflow")
        #expect(root.attributes["agenthost.run.id"] as? Int == 1)
        for step in ["pass", "trace", "calls"] {
            let stepSpan = try one("step \(step)")
            #expect(stepSpan.parent == root.id)
            let attempt = try one("attempt \(step)#1")
            #expect(attempt.parent == stepSpan.id)
        }
        // The agents' calls under their attempts, named and attributed after the GenAI conventions.
        let front = try one("invoke_agent test.front")
        #expect(parent(of: front)?.name == "attempt pass#1")
        #expect(front.attributes["gen_ai.operation.name"] as? String == "invoke_agent")
        #expect(front.attributes["gen_ai.agent.name"] as? String == "test.front")
        // The handoff under the agent that handed off, its target's call under the handoff.
        let handoff = try one("handoff test.back")
        #expect(handoff.parent == front.id)
        #expect(parent(of: try one("invoke_agent test.back"))?.id == handoff.id)
        // A delegation through the callback: a span, and the delegate's call under it.
        let delegation = try one("delegate fixture.echo")
        #expect(parent(of: delegation)?.name == "invoke_agent test.worker")
        #expect(spans.contains { $0.name.hasPrefix("invoke_agent ") && $0.parent == delegation.id })
        // The failed step (a handoff to an agent that is not loaded) is an error all the way up.
        #expect(try one("attempt calls#1").status == 2)
        #expect(try one("step calls").status == 2)
        // Checkpoints are committed under the run.
        let commits = spans.filter { $0.name == "checkpoint commit" }
        #expect(!commits.isEmpty && commits.allSatisfy { $0.parent == root.id })
        #expect(Set(commits.compactMap { $0.attributes["agenthost.checkpoint.steps"] as? String }.flatMap { $0.split(separator: ",") })
                == ["pass", "trace", "calls"])

        // The plugin was handed the W3C trace context of its own call's span.
        let worker = try #require(spans.first { $0.name == "invoke_agent test.worker" && parent(of: $0)?.name == "attempt trace#1" })
        let answer = try #require(try cli.store().checkpoints(of: 1).first { $0.step == "trace" }?.resultText)
        #expect(answer == #"{"traceparent":"00-\#(worker.traceID)-\#(worker.id)-01"}"#, "\(answer)")
    }

    @Test func withoutAnEndpointNothingIsTracedAndPluginsSeeNoContext() throws {
        let run = try cli.agenthost(["run", "fixture.trace", "--input", "{}"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains(#"{"traceparent":""}"#), "\(run.stdout)")
    }

    @Test func aToolCallIsAnExecuteToolSpan() throws {
        let folder = try TemporaryFolder("otlp-tool")
        defer { folder.remove() }
        let receiver = try Receiver(folder: folder)
        let call = try cli.agenthost(["tool", "test.worker", "add", "2", "3", "--otlp-endpoint", receiver.endpoint])
        #expect(call.status == 0, "\(call.stderr)")
        #expect(BackgroundHost.until(10) { !receiver.received().isEmpty })
        let tool = try #require(receiver.received().first { $0.name == "execute_tool add" })
        #expect(tool.attributes["gen_ai.tool.name"] as? String == "add")
        #expect(tool.attributes["gen_ai.operation.name"] as? String == "execute_tool")
    }

    @Test func aBadEndpointIsRefusedBeforeAnythingRuns() throws {
        for bad in ["localhost:4318", "ftp://x", "http://"] {
            let refused = try cli.agenthost(["run", "fixture.echo", "--otlp-endpoint", bad])
            #expect(refused.status != 0, "\(bad)")
            #expect(refused.stderr.contains("OTLP/HTTP collector"), "\(bad): \(refused.stderr)")
        }
        #expect((try? cli.store().tasks())?.isEmpty ?? true, "nothing ran")
    }
}
