import AgentHostCore
import AgentHostModels
import AgentHostTestSupport
import Foundation
import Testing

/// Retries, timeouts, cancellation, cut streams and keys, the same for both wire formats.
@Suite struct ModelCallFailureTests {
    static let formats: [ModelEndpoint.Provider] = [.openAI, .anthropic]

    static func text(_ text: String, _ format: ModelEndpoint.Provider, streamed: Bool = false, deltas: Int = 3,
                     eventDelay: Double = 0) -> ModelProviderServer.Reply {
        format == .openAI ? .openAIText(text, streamed: streamed, deltas: deltas, eventDelay: eventDelay)
            : .anthropicText(text, streamed: streamed, deltas: deltas, eventDelay: eventDelay)
    }

    @Test(arguments: formats) func tooManyRequestsWaitsForRetryAfter(format: ModelEndpoint.Provider) throws {
        let fixture = try ModelTestFixture()
        defer { fixture.close() }
        fixture.server.enqueue(.status(429, retryAfter: "1", message: "Rate limit reached"), Self.text("after the wait", format))

        let completion = try fixture.call(ModelTestFixture.question(), format: format).result.get()

        #expect(completion.text == "after the wait")
        #expect(completion.retries == 1)
        let requests = fixture.server.requests
        #expect(requests.count == 2)
        // What the protocol asks: the second request did not come before the server's Retry-After was over.
        let refused = try #require(requests.first?.answeredAt)
        #expect(requests[1].receivedAt - refused >= .milliseconds(900))
    }

    @Test(arguments: formats) func serverErrorIsRetried(format: ModelEndpoint.Provider) throws {
        let fixture = try ModelTestFixture()
        defer { fixture.close() }
        fixture.server.enqueue(.status(500), .status(503), Self.text("third time", format, streamed: true))

        let (result, events) = fixture.call(ModelTestFixture.question(stream: true), format: format)

        let completion = try result.get()
        #expect(completion.text == "third time")
        #expect(completion.retries == 2)
        #expect(events.compactMap(\.text).joined() == "third time")
        #expect(fixture.server.requests.count == 3)
    }

    @Test(arguments: formats) func tooManyRequestsForeverExhaustsRetries(format: ModelEndpoint.Provider) throws {
        let fixture = try ModelTestFixture()
        defer { fixture.close() }
        fixture.server.enqueue(.status(429, retryAfter: "0", message: "slow down"), .status(429, retryAfter: "0", message: "slow down"),
                               .status(429, retryAfter: "0", message: "still too many"), Self.text("never reached", format))

        let (result, events) = fixture.call(ModelTestFixture.question(), format: format, endpoint: fixture.endpoint(format, maxRetries: 2))

        #expect(result.failure == .retriesExhausted(alias: "scripted", attempts: 3, lastStatus: 429, message: "still too many"))
        #expect(events.isEmpty)
        #expect(fixture.server.requests.count == 3)
        #expect(fixture.server.pendingReplies == 1)
    }

    @Test(arguments: formats) func slowServerTimesOut(format: ModelEndpoint.Provider) throws {
        let fixture = try ModelTestFixture()
        defer { fixture.close() }
        fixture.server.enqueue(.delay(1.5, then: Self.text("too late", format)))

        let (result, events) = fixture.call(ModelTestFixture.question(), format: format,
                                            endpoint: fixture.endpoint(format, timeout: .milliseconds(300)))

        #expect(result.failure == .timeout(alias: "scripted", after: .milliseconds(300)))
        #expect(events.isEmpty)
        #expect(fixture.server.requests.count == 1)  // a timeout is not a 429 or 5xx: not tried again
    }

    @Test(arguments: formats) func cancellationStopsAStreamMidway(format: ModelEndpoint.Provider) throws {
        let fixture = try ModelTestFixture()
        defer { fixture.close() }
        let text = "one two three four five six seven eight nine ten eleven twelve"
        fixture.server.enqueue(Self.text(text, format, streamed: true, deltas: 12, eventDelay: 0.1))

        let (result, events) = fixture.call(ModelTestFixture.question(stream: true), format: format, cancelAfterEvents: 2)

        #expect(result.failure == .cancelled(alias: "scripted"))
        let deltas = events.compactMap(\.text)
        #expect(deltas.count >= 2)
        #expect(deltas.count < 12)
        #expect(text.hasPrefix(deltas.joined()))
    }

    @Test(arguments: formats) func cancellationDuringRetryAfterStopsTheWait(format: ModelEndpoint.Provider) throws {
        let fixture = try ModelTestFixture()
        defer { fixture.close() }
        fixture.server.enqueue(.status(429, retryAfter: "30"), Self.text("not wanted", format))
        let cancelled = CancelSwitch()
        let endpoint = fixture.endpoint(format)
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 0.3)
            cancelled.turnOn()
        }

        let result = fixture.provider.complete(ModelTestFixture.question(), endpoint: endpoint, key: nil, events: { _ in },
                                               isCancelled: { cancelled.isOn })

        #expect(result.failure == .cancelled(alias: "scripted"))
        #expect(fixture.server.requests.count == 1)
    }

    @Test(arguments: formats) func streamCutInTheMiddleOfAnEvent(format: ModelEndpoint.Provider) throws {
        let fixture = try ModelTestFixture()
        defer { fixture.close() }
        fixture.server.enqueue(.cutStream(after: 4, midEvent: true, format: format), Self.text("not a retry", format))

        let (result, events) = fixture.call(ModelTestFixture.question(stream: true), format: format)

        guard case .streamCut(let alias, let problem)? = result.failure else {
            Issue.record("expected streamCut, got \(result)")
            return
        }
        #expect(alias == "scripted")
        #expect(problem.contains("middle of an event"))
        #expect(!events.isEmpty)
        #expect(fixture.server.requests.count == 1)
    }

    @Test(arguments: formats) func streamCutBetweenEvents(format: ModelEndpoint.Provider) throws {
        let fixture = try ModelTestFixture()
        defer { fixture.close() }
        fixture.server.enqueue(.cutStream(after: 4, midEvent: false, format: format))

        let (result, _) = fixture.call(ModelTestFixture.question(stream: true), format: format)

        guard case .streamCut(_, let problem)? = result.failure else {
            Issue.record("expected streamCut, got \(result)")
            return
        }
        #expect(!problem.contains("middle of an event"))
    }

    @Test(arguments: formats) func malformedJSONAnswer(format: ModelEndpoint.Provider) throws {
        let fixture = try ModelTestFixture()
        defer { fixture.close() }
        fixture.server.enqueue(.raw(Array(#"{"id": "x", "content": [ {"type": "text", "#.utf8)))

        let (result, events) = fixture.call(ModelTestFixture.question(), format: format)

        guard case .malformed(let alias, let problem)? = result.failure else {
            Issue.record("expected malformed, got \(result)")
            return
        }
        #expect(alias == "scripted")
        #expect(problem.contains("not JSON"))
        #expect(problem.contains(#"{"id": "x""#))
        #expect(events.isEmpty)
    }

    @Test(arguments: formats) func keyNeverAppearsInAnError(format: ModelEndpoint.Provider) throws {
        let fixture = try ModelTestFixture()
        defer { fixture.close() }
        // A gateway that quotes the key it was given back in its error message.
        fixture.server.enqueue(.status(401, message: "Incorrect API key provided: \(ModelTestFixture.key)."),
                               .status(500, message: "upstream rejected \(ModelTestFixture.key)"),
                               .raw(Array("{\"echo\": \"\(ModelTestFixture.key)".utf8)))

        let unauthorized = fixture.call(ModelTestFixture.question(), format: format).result.failure
        let exhausted = fixture.call(ModelTestFixture.question(), format: format, endpoint: fixture.endpoint(format, maxRetries: 0)).result.failure
        let malformed = fixture.call(ModelTestFixture.question(), format: format).result.failure

        #expect(unauthorized == .http(alias: "scripted", status: 401, message: "Incorrect API key provided: [key]."))
        for error in [unauthorized, exhausted, malformed] {
            let description = try #require(error).description
            #expect(!description.contains(ModelTestFixture.key))
            #expect(description.contains("[key]"))
        }
        let headerName = format == .openAI ? "authorization" : "x-api-key"
        let expected = format == .openAI ? "Bearer \(ModelTestFixture.key)" : ModelTestFixture.key
        #expect(fixture.server.requests.allSatisfy { $0.headers[headerName] == expected })
    }

    @Test(arguments: formats) func noKeyNoKeyHeader(format: ModelEndpoint.Provider) throws {
        let fixture = try ModelTestFixture()
        defer { fixture.close() }
        fixture.server.enqueue(Self.text("local model", format))

        _ = try fixture.call(ModelTestFixture.question(), format: format, key: nil).result.get()

        let headers = try #require(fixture.server.requests.first?.headers)
        #expect(headers["authorization"] == nil)
        #expect(headers["x-api-key"] == nil)
    }

    @Test(arguments: formats) func callsShareOneKeptAliveConnection(format: ModelEndpoint.Provider) throws {
        let fixture = try ModelTestFixture()
        defer { fixture.close() }
        fixture.server.enqueue(Self.text("one", format), Self.text("two", format, streamed: true), Self.text("three", format))

        for stream in [false, true, false] {
            _ = try fixture.call(ModelTestFixture.question(stream: stream), format: format).result.get()
        }

        #expect(fixture.server.requests.count == 3)
        // Kept alive: later calls reuse a connection. The pool may open a second one when a call starts
        // before the last answer's connection was handed back (seen under CI load), never one per call.
        let connections = Set(fixture.server.requests.map(\.connection))
        #expect(connections.count < 3)
        #expect(fixture.server.connectionCount < 3)
    }

    @Test(arguments: formats) func nothingListeningIsUnreachable(format: ModelEndpoint.Provider) throws {
        let fixture = try ModelTestFixture()
        defer { fixture.close() }
        let endpoint = fixture.endpoint(format, maxRetries: 1)
        fixture.server.stop()
        Thread.sleep(forTimeInterval: 0.05)  // the accept thread closes the listening socket as it leaves

        let (result, events) = fixture.call(ModelTestFixture.question(), format: format, endpoint: endpoint)

        guard case .unreachable(let alias, _)? = result.failure else {
            Issue.record("expected unreachable, got \(result)")
            return
        }
        #expect(alias == "scripted")
        #expect(events.isEmpty)
    }

    @Test func emptyQueueAnswersWithAClearMessage() throws {
        let fixture = try ModelTestFixture()
        defer { fixture.close() }

        let (result, _) = fixture.call(ModelTestFixture.question(), format: .openAI, endpoint: fixture.endpoint(.openAI, maxRetries: 0))

        guard case .retriesExhausted(_, _, 500, let message)? = result.failure else {
            Issue.record("expected retriesExhausted, got \(result)")
            return
        }
        #expect(message.contains("no reply was scripted"))
    }
}
