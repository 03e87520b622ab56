import AgentHostCore
import AgentHostModels
import AgentHostTestSupport
import Foundation

/// The model service against a loopback server that speaks OpenAI's Chat
/// Completions. The server records its own time on each request (from the
/// request's last byte read to the answer's last byte written), its threads'
/// processor time, and when it sent each streamed event; what is left is the
/// host's. `median_ns` is wall time (so it holds every thread wake-up and
/// loopback TCP on the way); `processor_ns` is the processor time the host's
/// threads spent per call, the server's taken out.
///
/// - `model_call_host_cost`: one model call by a plugin (`bench.model_call`,
///   through AgentPluginKit's `complete`) beyond the server's time: the SDK's
///   request and event lines, the model service's checks (alias, budgets,
///   the tools offered, guardrails, hashing, usage), the HTTP client, loopback TCP.
/// - `model_stream_chunk_delay`: from the server handing a text event to its
///   socket to the plugin's `onEvent` seeing it, per event, events 2 ms apart.
/// - `model_provider_http_cost`: the HTTP client alone (`HTTPModelProvider`,
///   no plugin, no checks): what the rest of a model call is measured against.
/// - `assistant_ask_host_cost`: a whole `assistant.ask` (profile, one model
///   call, the answer) beyond the server's time.
func benchModels(searchPath: PluginSearchPath, quick: Bool) {
    guard let server = try? ModelProviderServer() else {
        emit([("bench", "model_call_host_cost"), ("error", "the loopback server did not start")])
        return
    }
    defer { server.stop() }
    var policy = benchPolicy
    policy.models["default"] = ModelEndpoint(alias: "default", provider: .openAI, baseURL: server.openAIBaseURL, model: "bench")
    let provider = HTTPModelProvider()
    defer { provider.shutdown() }
    let host = AgentHost(registry: PluginRegistry(searchPath: searchPath, policy: policy), policy: policy, modelProvider: provider)

    server.setStandingReply(.openAIText("ok", usage: (12, 2)))
    let endpoint = policy.models["default"]!
    let question = ModelRequest(messages: [ModelMessage(role: .user, content: "Say ok.")], stream: false)
    hostCost("model_provider_http_cost", server: server, quick: quick, target: nil) {
        if case .success = provider.complete(question, endpoint: endpoint, key: nil, events: { _ in }, isCancelled: { false }) { return true }
        return false
    }
    let plain = Array(#"{"stream": false}"#.utf8)
    hostCost("model_call_host_cost", server: server, quick: quick, target: 50_000) {
        (try? host.call("bench.model_call", payload: plain)) != nil
    }
    hostCost("assistant_ask_host_cost", server: server, quick: quick, target: nil) {
        (try? host.call("assistant.ask", payload: Array(#"{"task": "say ok"}"#.utf8))) != nil
    }

    let deltas = 20
    let words = (1...deltas).map { "word\($0) " }.joined()
    server.setStandingReply(.openAIText(words, usage: (12, 20), streamed: true, deltas: deltas, eventDelay: 0.002))
    server.removeRecordedRequests()
    var delays: [Double] = []
    for _ in 0..<(quick ? 5 : 50) {
        guard let response = try? host.call("bench.model_call", payload: Array(#"{"stream": true}"#.utf8)),
              case .array(let arrivals)? = (try? JSONValue(parsing: response.body))?["arrivals"],
              let sent = server.requests.last?.eventsSentAt, sent.count > deltas else {
            emit([("bench", "model_stream_chunk_delay"), ("error", "bench.model_call failed; is the Swift echo plugin built?")])
            return
        }
        server.removeRecordedRequests()
        // The first event only opens the message (no text); the next `deltas` carry the text, in order.
        for (index, arrival) in arrivals.enumerated() where index < deltas {
            guard case .number(let at) = arrival else { continue }
            delays.append(at - Double(sent[index + 1]))
        }
    }
    delays.sort()
    emit([("bench", "model_stream_chunk_delay"), ("median_ns", delays[delays.count / 2]), ("p99_ns", delays[delays.count * 99 / 100]),
          ("chunks", delays.count), ("target_ns", 100_000.0), ("meets_target", delays[delays.count / 2] <= 100_000)])
}

/// Times `call` in samples, each less the server's own time on its requests, and prints the median per call.
private func hostCost(_ name: String, server: ModelProviderServer, quick: Bool, target: Double?, _ call: () -> Bool) {
    for _ in 0..<50 where !call() {
        emit([("bench", name), ("error", "the call failed; are the plugins built?")])
        return
    }
    let calls = quick ? 200 : 2000
    var samples: [Double] = [], processor: [Double] = []
    for _ in 0..<(quick ? 3 : 9) {
        server.removeRecordedRequests()
        let (start, startProcessor, startServer) = (now(), nanoseconds(CLOCK_PROCESS_CPUTIME_ID), server.processorNanoseconds)
        for _ in 0..<calls { _ = call() }
        let elapsed = Double(now() - start)
        processor.append((Double(nanoseconds(CLOCK_PROCESS_CPUTIME_ID) - startProcessor) - Double(server.processorNanoseconds - startServer)) / Double(calls))
        let serverTime = server.requests.reduce(0.0) { sum, request in
            guard let time = request.serverTime else { return sum }
            let (seconds, attoseconds) = time.components
            return sum + Double(seconds) * 1e9 + Double(attoseconds) / 1e9
        }
        samples.append((elapsed - serverTime) / Double(calls))
    }
    samples.sort()
    processor.sort()
    let median = samples[samples.count / 2]
    var fields: [(String, Any)] = [("bench", name), ("median_ns", median), ("processor_ns", processor[processor.count / 2]),
                                   ("calls_per_sample", calls), ("samples", samples.count)]
    if let target { fields += [("target_ns", target), ("meets_target", median <= target)] }
    emit(fields)
}

