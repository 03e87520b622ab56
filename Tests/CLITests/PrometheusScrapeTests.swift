import AgentHostCore
import AgentHostTestSupport
import Foundation
import Testing

/// A real Prometheus server (Debian's `prometheus`) scrapes a real
/// `agenthost serve` that ran a workflow; the series are read back through
/// Prometheus's own HTTP query API.
@Suite final class PrometheusScrapeTests {
    let cli: CLIHome

    init() throws { cli = try CLIHome("prometheus", fixtures: [FixturePlugin(id: "test.worker")]) }

    @Test func prometheusScrapesTasksRunsLatenciesAndRefusals() throws {
        let binary = "/usr/bin/prometheus"
        try #require(FileManager.default.isExecutableFile(atPath: binary),
                     "Prometheus is needed for this test: apt-get install prometheus (.ci/run installs it)")
        let server = try ServedHost(["--plugin-dir", cli.plugins.url.path, "--state", cli.database], home: cli.home.url)
        let workflow = #"{"workflow": "name: metered\nmode: parallel\nsteps:\n  - { id: a, capability: fixture.echo, agents: [test.worker] }\n  - { id: b, capability: fixture.echo, agents: [test.worker] }\n  - { id: c, capability: fixture.fail, optional: true }\n"}"#
        let run = try server.request("POST", "/v1/runs?wait=true", json: workflow)
        #expect(run.text.contains(#""status":"completed""#), "\(run.text)")
        // A guardrail trip: a secret in the input.
        let secret = try server.request("POST", "/v1/tasks?wait=true",
                                        json: #"{"capability": "fixture.echo", "agents": ["test.worker"], "input": {"key": "AKIAABCDEFGHIJKLMNOP"}}"#)
        #expect(secret.text.contains(#""status":"failed""#), "\(secret.text)")
        let exposed = try server.request("GET", "/metrics")
        #expect(exposed.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        #expect(exposed.text.contains(#"agenthost_tasks_total{agent="test.worker",capability="fixture.echo",outcome="completed"} 2"#), "\(exposed.text)")

        let data = try TemporaryFolder("prometheus")
        defer { data.remove() }
        let port = try FreePort.pick()
        try data.file("prometheus.yml", """
            global: { scrape_interval: 1s, evaluation_interval: 1s }
            scrape_configs:
              - job_name: agenthost
                metrics_path: /metrics
                static_configs: [{ targets: ["127.0.0.1:\(server.port)"] }]
            """)
        let prometheus = Process()
        prometheus.executableURL = URL(fileURLWithPath: binary)
        prometheus.arguments = ["--config.file=\(data.url.appendingPathComponent("prometheus.yml").path)",
                                "--storage.tsdb.path=\(data.url.appendingPathComponent("tsdb").path)",
                                "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn"]
        let log = data.url.appendingPathComponent("prometheus.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        prometheus.standardOutput = try FileHandle(forWritingTo: log)
        prometheus.standardError = try FileHandle(forWritingTo: log)
        try prometheus.run()
        defer {
            prometheus.terminate()
            prometheus.waitUntilExit()
        }

        /// The samples of `query` now, as labels and value.
        func query(_ query: String) -> [([String: String], Double)] {
            let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query
            guard let connection = try? LoopbackHTTPConnection(port: port),
                  let response = try? connection.send("GET", "/api/v1/query?query=\(encoded)"),
                  let body = response.json as? [String: Any], body["status"] as? String == "success",
                  let result = (body["data"] as? [String: Any])?["result"] as? [[String: Any]] else { return [] }
            return result.compactMap { sample in
                guard let labels = sample["metric"] as? [String: String], let value = sample["value"] as? [Any],
                      let text = value.last as? String, let number = Double(text) else { return nil }
                return (labels, number)
            }
        }
        let scraped = BackgroundHost.until(60) { !query(#"agenthost_tasks_total{job="agenthost"}"#).isEmpty }
        #expect(scraped, "Prometheus never scraped the server: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")

        let tasks = query("agenthost_tasks_total")
        #expect(tasks.contains { $0.0["agent"] == "test.worker" && $0.0["capability"] == "fixture.echo" && $0.0["outcome"] == "completed" && $0.1 == 2 },
                "\(tasks)")
        #expect(tasks.contains { $0.0["capability"] == "fixture.fail" && $0.0["outcome"] == "failed" && $0.1 == 1 }, "\(tasks)")
        #expect(query(#"agenthost_runs_total{mode="parallel",outcome="completed"}"#).first?.1 == 1)
        let latency = query(#"agenthost_call_duration_seconds_count{agent="test.worker",capability="fixture.echo"}"#)
        #expect(latency.first?.1 == 2, "\(latency)")
        #expect(!query(#"agenthost_call_duration_seconds_bucket{agent="test.worker",le="0.01"}"#).isEmpty, "a histogram with microsecond buckets")
        #expect(query("agenthost_guardrail_trips_total").first?.1 == 1)
        #expect(query(#"agenthost_calls_in_flight{agent="test.worker"}"#).first?.1 == 0)
        #expect((query("agenthost_store_commit_seconds_count").first?.1 ?? 0) > 0)
        #expect(query(#"up{job="agenthost"}"#).first?.1 == 1)
    }
}
