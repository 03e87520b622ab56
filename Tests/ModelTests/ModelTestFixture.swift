import AgentHostCore
import AgentHostModels
import AgentHostTestSupport
import Foundation
import Synchronization

/// A scripted loopback provider and a real `HTTPModelProvider` pointed at
/// it, for one test. Retries back off in tens of milliseconds, so tests of
/// 5xx retries take no seconds; `Retry-After` is obeyed as it would be.
final class ModelTestFixture {
    static let key = "sk-test-Q7v9SECRETkey42"

    let server: ModelProviderServer
    let provider: HTTPModelProvider

    init(retryPolicy: ModelRetryPolicy = ModelRetryPolicy(baseDelay: .milliseconds(20), maximumDelay: .milliseconds(100))) throws {
        server = try ModelProviderServer()
        provider = HTTPModelProvider(retryPolicy: retryPolicy)
    }

    func close() {
        provider.shutdown()
        server.stop()
    }

    func endpoint(_ format: ModelEndpoint.Provider, timeout: Duration = .seconds(10), maxRetries: Int = 3) -> ModelEndpoint {
        ModelEndpoint(alias: "scripted", provider: format, baseURL: format == .openAI ? server.openAIBaseURL : server.baseURL,
                      model: format == .openAI ? "gpt-4o-mini" : "claude-sonnet-4-5", keyVariable: "TEST_KEY", timeout: timeout,
                      maxRetries: maxRetries, defaultMaxTokens: 1234)
    }

    /// Makes one call and gives its result and the events it reported, in order; `cancelAfterEvents`
    /// turns `isCancelled` true once that many events came.
    func call(_ request: ModelRequest, format: ModelEndpoint.Provider, endpoint: ModelEndpoint? = nil, key: String? = ModelTestFixture.key,
              cancelAfterEvents: Int? = nil) -> (result: Result<ModelCompletion, ModelError>, events: [ModelEvent]) {
        let cancelled = CancelSwitch()
        var events: [ModelEvent] = []
        let thread = Thread.current
        let result = provider.complete(request, endpoint: endpoint ?? self.endpoint(format), key: key, events: { event in
            precondition(Thread.current == thread, "events must come on the calling thread")
            events.append(event)
            if let cancelAfterEvents, events.count >= cancelAfterEvents { cancelled.turnOn() }
        }, isCancelled: { cancelled.isOn })
        return (result, events)
    }

    static func question(stream: Bool = false) -> ModelRequest {
        ModelRequest(messages: [ModelMessage(role: .system, content: "Be brief."), ModelMessage(role: .user, content: "Say hi.")], stream: stream)
    }
}

/// What `isCancelled` reads: a flag the events closure turns on.
final class CancelSwitch: Sendable {
    private let flag = Mutex(false)

    var isOn: Bool { flag.withLock { $0 } }

    func turnOn() { flag.withLock { $0 = true } }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

extension ModelEvent {
    var text: String? {
        if case .text(let text) = self { return text }
        return nil
    }

    var toolCall: ModelToolCall? {
        if case .toolCall(let call) = self { return call }
        return nil
    }
}
