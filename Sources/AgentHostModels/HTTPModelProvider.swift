import AgentHostCore
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// The model service's HTTP calls, over one AsyncHTTPClient for the whole
/// host: its connections are pooled and kept alive, so a call to a model
/// already called reuses the open connection (no TCP or TLS handshake).
///
/// `complete` blocks its caller, as `ModelProvider` says. The request runs
/// on the client's event loop; each part of the answer crosses to the
/// calling thread through a `ModelResponseQueue`, and the calling thread
/// decodes it and reports the events, in order. While it waits it wakes
/// every `pollInterval` to ask `isCancelled`, so that a cancelled run stops
/// its model call within that time. No thread or task is made per call.
public final class HTTPModelProvider: ModelProvider {
    /// How often a waiting call asks `isCancelled`.
    static let pollInterval: Double = 0.02
    /// A whole (not streamed) answer larger than this is refused rather than held.
    static let maximumAnswerBytes = 64 << 20

    public let retryPolicy: ModelRetryPolicy
    private let client: HTTPClient
    /// The one event loop every call's connection and delegate run on. Left to choose, AsyncHTTPClient
    /// takes any loop for a call's delegate, so half the answers crossed between two loop threads
    /// (an extra wake-up per part) and the pool kept a connection per loop.
    private let eventLoop: any EventLoop
    private let isShutDown = Mutex(false)

    public init(retryPolicy: ModelRetryPolicy = ModelRetryPolicy()) {
        self.retryPolicy = retryPolicy
        var configuration = HTTPClient.Configuration()
        // A provider that redirects a POST is misconfigured; the 3xx is shown as an HTTP error instead.
        configuration.redirectConfiguration = .disallow
        configuration.connectionPool = HTTPClient.Configuration.ConnectionPool(idleTimeout: .seconds(60))
        // Off, so that a server that is down fails the attempt at once and the call's own retries
        // (counted, honouring cancellation) take over, instead of the pool retrying in silence up to its connect timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout = HTTPClient.Configuration.Timeout(connect: .seconds(10))
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        eventLoop = HTTPClient.defaultEventLoopGroup.next()
    }

    deinit {
        // A provider dropped without `shutdown()` still closes its connections, without blocking whoever dropped it.
        if !isShutDown.withLock({ $0 }) { client.shutdown { _ in } }
    }

    /// Closes the pooled connections; calls made afterwards fail as unreachable. Blocks until done; calling it again does nothing.
    public func shutdown() {
        let first = isShutDown.withLock { done in
            defer { done = true }
            return !done
        }
        if first { try? client.syncShutdown() }
    }

    public func complete(_ request: ModelRequest, endpoint: ModelEndpoint, key: String?, events: (ModelEvent) -> Void,
                         isCancelled: @escaping @Sendable () -> Bool) -> Result<ModelCompletion, ModelError> {
        let result = switch endpoint.provider {
        case .openAI: complete(OpenAIChatFormat.self, request, endpoint: endpoint, key: key, events: events, isCancelled: isCancelled)
        case .anthropic: complete(AnthropicMessagesFormat.self, request, endpoint: endpoint, key: key, events: events, isCancelled: isCancelled)
        }
        // A provider's message, or a library's error text, may quote what was sent; the key never leaves in an error.
        if case .failure(let error) = result, let key, !key.isEmpty { return .failure(error.redacting(key)) }
        return result
    }

    private func complete<Format: ModelWireFormat>(_ format: Format.Type, _ request: ModelRequest, endpoint: ModelEndpoint, key: String?,
                                                   events: (ModelEvent) -> Void, isCancelled: () -> Bool) -> Result<ModelCompletion, ModelError> {
        let alias = endpoint.alias
        let wire = Format.request(for: request, endpoint: endpoint, key: key)
        var headers = wire.headers
        if let traceparent = request.traceparent {
            headers.add(name: "traceparent", value: traceparent)
            if let tracestate = request.tracestate { headers.add(name: "tracestate", value: tracestate) }
        }
        let httpRequest: HTTPClient.Request
        do {
            httpRequest = try HTTPClient.Request(url: wire.url, method: .POST, headers: headers, body: .bytes(wire.body))
        } catch {
            return .failure(.unreachable(alias: alias, reason: "\(wire.url) is not a URL HTTP can reach"))
        }
        var retries = 0
        while true {
            if isCancelled() { return .failure(.cancelled(alias: alias)) }
            switch attempt(Format.self, httpRequest, streamed: request.stream, endpoint: endpoint, events: events, isCancelled: isCancelled) {
            case .answered(var completion):
                completion.retries = retries
                return .success(completion)
            case .failed(let error):
                return .failure(error)
            case .retriable(let cause):
                guard retries < endpoint.maxRetries else { return .failure(cause.finalError(alias: alias, attempts: retries + 1)) }
                let wait = cause.requestedWait ?? retryPolicy.backoff(beforeRetry: retries)
                guard pause(wait, isCancelled: isCancelled) else { return .failure(.cancelled(alias: alias)) }
                retries += 1
            }
        }
    }

    /// How one attempt ended.
    private enum AttemptOutcome {
        case answered(ModelCompletion)
        case failed(ModelError)
        /// Worth trying again, if retries are left: nothing of the answer was reported yet.
        case retriable(RetryCause)
    }

    private enum RetryCause {
        case status(Int, message: String, requestedWait: Duration?)
        case connection(String)

        var requestedWait: Duration? {
            if case .status(_, _, let wait) = self { return wait }
            return nil
        }

        func finalError(alias: String, attempts: Int) -> ModelError {
            switch self {
            case .status(let status, let message, _): .retriesExhausted(alias: alias, attempts: attempts, lastStatus: status, message: message)
            case .connection(let reason): .unreachable(alias: alias, reason: attempts > 1 ? "\(reason), \(attempts) attempts" : reason)
            }
        }
    }

    /// One HTTP exchange, with its own timeout, read on the calling thread as it arrives.
    private func attempt<Format: ModelWireFormat>(_ format: Format.Type, _ request: HTTPClient.Request, streamed: Bool, endpoint: ModelEndpoint,
                                                  events: (ModelEvent) -> Void, isCancelled: () -> Bool) -> AttemptOutcome {
        let alias = endpoint.alias
        let queue = ModelResponseQueue()
        let deadline = ContinuousClock.now + endpoint.timeout
        let task = client.execute(request: request, delegate: ModelResponseDelegate(queue: queue), eventLoop: .delegateAndChannel(on: eventLoop),
                                  deadline: .now() + .nanoseconds(endpoint.timeout.nanoseconds))
        var taken: [ModelResponseQueue.Item] = []
        taken.reserveCapacity(16)
        var head: HTTPResponseHead?
        var readsStream = false
        var body: [UInt8] = []
        var bodyBytes = 0
        var parser = ServerSentEventParser()
        var decoder = Format.StreamDecoder()
        var delivered = false
        func report(_ event: ModelEvent) {
            delivered = true
            events(event)
        }

        while true {
            if isCancelled() {
                task.cancel()
                return .failed(.cancelled(alias: alias))
            }
            let now = ContinuousClock.now
            guard now < deadline else {
                task.cancel()
                return .failed(.timeout(alias: alias, after: endpoint.timeout))
            }
            queue.take(into: &taken, waitingUntil: Date(timeIntervalSinceNow: min(Self.pollInterval, (deadline - now).seconds)))
            for item in taken {
                switch item {
                case .head(let received):
                    head = received
                    // A server that ignores `stream` and answers with one JSON body is read as such.
                    readsStream = streamed && (200..<300).contains(received.status.code)
                        && received.headers.first(name: "content-type")?.lowercased().hasPrefix("text/event-stream") == true
                case .body(let buffer):
                    bodyBytes += buffer.readableBytes
                    if readsStream {
                        var finished = false
                        do {
                            try parser.consume(buffer.readableBytesView) { event in
                                if !finished { finished = try decoder.take(event, emit: report) }
                            }
                        } catch let problem as ModelWireProblem {
                            task.cancel()
                            if case .providerError(let status, let message) = problem, Self.isRetriable(status), !delivered {
                                return .retriable(.status(status, message: message, requestedWait: nil))
                            }
                            return .failed(problem.error(alias: alias))
                        } catch {
                            task.cancel()
                            return .failed(.malformed(alias: alias, problem: "the stream could not be read"))
                        }
                        // The end of the response follows on the event loop by itself, and the connection goes back to the pool.
                        if finished { return .answered(decoder.finish(emit: report)) }
                    } else {
                        guard body.count + buffer.readableBytes <= Self.maximumAnswerBytes else {
                            task.cancel()
                            return .failed(.malformed(alias: alias, problem: "the answer is larger than \(Self.maximumAnswerBytes >> 20) MiB"))
                        }
                        body.append(contentsOf: buffer.readableBytesView)
                    }
                case .end:
                    return ended(Format.self, head: head, body: body, readsStream: readsStream, parser: parser, decoder: &decoder,
                                 alias: alias, events: report)
                case .failure(let error):
                    if readsStream, decoder.mayEnd { return .answered(decoder.finish(emit: report)) }
                    if let clientError = error as? HTTPClientError {
                        if clientError == .deadlineExceeded { return .failed(.timeout(alias: alias, after: endpoint.timeout)) }
                        if clientError == .cancelled { return .failed(.cancelled(alias: alias)) }
                    }
                    if let head, Self.isRetriable(Int(head.status.code)), !delivered { return judge(head, body: body, alias: alias) }
                    if bodyBytes == 0, !delivered { return .retriable(.connection(Self.reason(error))) }
                    if readsStream {
                        let problem = parser.isInsideEvent
                            ? "the connection closed in the middle of an event, after \(parser.eventCount) events"
                            : "the connection closed after \(parser.eventCount) events, with \(decoder.missing)"
                        return .failed(.streamCut(alias: alias, problem: problem))
                    }
                    return .failed(.streamCut(alias: alias, problem: "the connection closed after \(bodyBytes) bytes of the answer"))
                }
            }
            taken.removeAll(keepingCapacity: true)
        }
    }

    /// The answer arrived whole: read it, or judge its status.
    private func ended<Format: ModelWireFormat>(_ format: Format.Type, head: HTTPResponseHead?, body: [UInt8], readsStream: Bool,
                                                parser: ServerSentEventParser, decoder: inout Format.StreamDecoder, alias: String,
                                                events: (ModelEvent) -> Void) -> AttemptOutcome {
        guard let head else { return .failed(.malformed(alias: alias, problem: "the answer ended before its status line")) }
        guard (200..<300).contains(head.status.code) else { return judge(head, body: body, alias: alias) }
        if readsStream {
            if decoder.mayEnd { return .answered(decoder.finish(emit: events)) }
            let problem = parser.isInsideEvent ? "the stream ended in the middle of an event, after \(parser.eventCount) events" : decoder.missing
            return .failed(.streamCut(alias: alias, problem: problem))
        }
        let completion: ModelCompletion
        do {
            completion = try Format.completion(fromAnswer: body)
        } catch {
            return .failed(error.error(alias: alias))
        }
        if !completion.text.isEmpty { events(.text(completion.text)) }
        for call in completion.toolCalls { events(.toolCall(call)) }
        if completion.usage != ModelUsage() { events(.usage(completion.usage)) }
        return .answered(completion)
    }

    /// A status that is not success: 429 and 5xx may be tried again, anything else is the caller's to see.
    private func judge(_ head: HTTPResponseHead, body: [UInt8], alias: String) -> AttemptOutcome {
        let status = Int(head.status.code)
        let message = ModelJSON.errorMessage(in: body, fallback: head.status.reasonPhrase)
        guard Self.isRetriable(status) else { return .failed(.http(alias: alias, status: status, message: message)) }
        let wait = retryPolicy.requestedWait(retryAfter: head.headers.first(name: "retry-after"),
                                             retryAfterMilliseconds: head.headers.first(name: "retry-after-ms"))
        return .retriable(.status(status, message: message, requestedWait: wait))
    }

    static func isRetriable(_ status: Int) -> Bool { status == 429 || (500...599).contains(status) }

    /// Why a connection failed, in words that never carry the request: AsyncHTTPClient's own
    /// errors by their fixed short description (some carry header values), others as they describe themselves.
    private static func reason(_ error: any Error) -> String {
        if let clientError = error as? HTTPClientError { return clientError.shortDescription.lowercased() }
        return String(describing: error)
    }

    /// Waits `duration`, asking `isCancelled` as it goes; false when the call was cancelled meanwhile.
    private func pause(_ duration: Duration, isCancelled: () -> Bool) -> Bool {
        let end = ContinuousClock.now + duration
        while true {
            if isCancelled() { return false }
            let left = end - ContinuousClock.now
            if left <= .zero { return true }
            Thread.sleep(forTimeInterval: min(left.seconds, Self.pollInterval))
        }
    }
}
