import AgentHostCore
import AgentHostModels
import AgentHostTestSupport
import Foundation

/// The model service against a loopback server that speaks OpenAI's Chat
/// Completions: `assistant.ask` calls, each one model call, and what the
/// host spent on each beyond the server's own time (the server records it,
/// from the request's last byte read to the answer's last byte written).
/// What is left is the host's cost: the Assistant's SDK, the model service's
/// checks, the HTTP client, loopback TCP and the JSON both ways.
func benchModels(searchPath: PluginSearchPath, quick: Bool) {
    guard let server = try? ModelProviderServer() else {
        emit([("bench", "model_call_host_cost"), ("error", "the loopback server did not start")])
        return
    }
    defer { server.stop() }
    server.setStandingReply(.openAIText("ok", usage: (12, 2)))
    var policy = Policy.standard
    policy.models["default"] = ModelEndpoint(alias: "default", provider: .openAI, baseURL: server.openAIBaseURL, model: "bench")
    let provider = HTTPModelProvider()
    defer { provider.shutdown() }
    let host = AgentHost(registry: PluginRegistry(searchPath: searchPath, policy: policy), policy: policy, modelProvider: provider)
    let payload = Array(#"{"task": "say ok"}"#.utf8)
    func call() -> Bool { (try? host.call("assistant.ask", payload: payload)) != nil }
    for _ in 0..<50 where !call() {
        emit([("bench", "model_call_host_cost"), ("error", "assistant.ask failed; is the Assistant built?")])
        return
    }
    let calls = quick ? 200 : 2000
    var samples: [Double] = []
    for _ in 0..<(quick ? 3 : 9) {
        server.removeRecordedRequests()
        let start = now()
        for _ in 0..<calls { _ = call() }
        let elapsed = Double(now() - start)
        let serverTime = server.requests.reduce(0.0) { sum, request in
            guard let time = request.serverTime else { return sum }
            let (seconds, attoseconds) = time.components
            return sum + Double(seconds) * 1e9 + Double(attoseconds) / 1e9
        }
        samples.append((elapsed - serverTime) / Double(calls))
    }
    samples.sort()
    let median = samples[samples.count / 2]
    emit([("bench", "model_call_host_cost"), ("median_ns", median), ("calls_per_sample", calls), ("samples", samples.count),
          ("target_ns", 50_000.0), ("meets_target", median <= 50_000)])
}
