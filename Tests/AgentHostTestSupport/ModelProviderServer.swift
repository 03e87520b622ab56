import AgentHostCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A scripted stand-in for a model provider on 127.0.0.1 (a port the
/// system picks), speaking OpenAI's Chat Completions and Anthropic's
/// Messages on the wire exactly as they do, so that the host's real HTTP
/// client and decoders are what a test exercises. A test enqueues replies;
/// each request takes the next one, in order, whatever its path. HTTP/1.1
/// with keep-alive: many requests per connection, Content-Length bodies
/// both ways, and streamed answers as chunked `text/event-stream`.
///
/// It records every request (with when its last byte came and when the
/// last byte of its answer went), so a test can check what the host sent
/// and a benchmark can subtract the server's own time. A `LoopbackListener`
/// underneath, like `LoopbackHTTPServer`; no test framework, so a benchmark
/// executable can use it too. Nothing leaves loopback.
public final class ModelProviderServer: @unchecked Sendable {
    // @unchecked: everything that changes after init is under `lock`.

    /// A request as it arrived.
    public struct Request: Sendable {
        public var method: String
        /// The path with its query, as sent.
        public var target: String
        /// Header names lowercased; a header sent twice has its values joined with ", ".
        public var headers: [String: String]
        public var body: [UInt8]
        /// Which accepted connection carried it, counting from 0: equal for requests that shared a kept-alive connection.
        public var connection: Int
        /// When its last byte was read.
        public var receivedAt: ContinuousClock.Instant
        /// When the last byte of its answer was written (or the connection was cut, or found closed); nil while it is being answered.
        public var answeredAt: ContinuousClock.Instant?
        /// For a streamed answer: when each event was about to be handed to the socket, in CLOCK_MONOTONIC nanoseconds
        /// (the clock a plugin can read too, so a benchmark can time each event's way through the host).
        public var eventsSentAt: [UInt64] = []

        public var path: String { String(target.split(separator: "?", maxSplits: 1).first ?? "") }
        /// The body as JSON, parsed when asked (so the server's own time stays the server's).
        public var json: JSONValue? { try? JSONValue(parsing: body) }
        /// The server's own time on it: from its last byte read to the last byte of the answer written, scripted delays included.
        public var serverTime: Duration? { answeredAt.map { $0 - receivedAt } }
    }

    /// How the server answers one request. Made by the static functions, in each wire format's exact shape.
    public struct Reply: Sendable {
        enum Body: Sendable {
            case whole([UInt8])
            /// Server-sent events, each one chunk, `interval` seconds apart; `cut` closes the connection early.
            case events([[UInt8]], interval: Double, cut: Cut?)
        }

        struct Cut: Sendable {
            /// Complete events written before the cut.
            var after: Int
            /// Write the first half of the next event before closing.
            var midEvent: Bool
        }

        var status: Int
        var headers: [(String, String)]
        var body: Body
        /// Seconds to wait before answering at all.
        var delay: Double = 0

        /// The same reply, sent `seconds` after the request arrived (for timeouts).
        public func delayed(by seconds: Double) -> Reply {
            var reply = self
            reply.delay = seconds
            return reply
        }

        /// The same streamed reply, with the connection closed after `events` whole events, and with half of the next
        /// one written first when `midEvent`. A reply that is not streamed is returned as it is.
        public func cut(after events: Int, midEvent: Bool = true) -> Reply {
            guard case .events(let all, let interval, _) = body else { return self }
            var reply = self
            reply.body = .events(all, interval: interval, cut: Cut(after: events, midEvent: midEvent))
            return reply
        }

        // MARK: OpenAI's Chat Completions

        /// A text answer; streamed, the text comes in `deltas` pieces, then a `finish_reason` chunk, a usage chunk and `[DONE]`.
        public static func openAIText(_ text: String, usage: (input: Int, output: Int)? = (10, 5), model: String = "gpt-test",
                                      finishReason: String = "stop", streamed: Bool = false, deltas: Int = 3, eventDelay: Double = 0) -> Reply {
            if !streamed {
                let message = #"{"role":"assistant","content":\#(quoted(text)),"refusal":null}"#
                return json(openAIAnswer(model: model, message: message, finishReason: finishReason, usage: usage))
            }
            var events = [openAIChunk(model: model, delta: #"{"role":"assistant","content":""}"#)]
            for piece in pieces(of: text, count: deltas) {
                events.append(openAIChunk(model: model, delta: #"{"content":\#(quoted(piece))}"#))
            }
            events.append(openAIChunk(model: model, delta: "{}", finishReason: finishReason))
            return openAIStream(events, model: model, usage: usage, eventDelay: eventDelay)
        }

        /// Tool calls (with no text); streamed, each call's arguments come in `fragments` pieces after a first fragment with its id and name.
        public static func openAIToolCalls(_ calls: [(id: String, name: String, arguments: String)], usage: (input: Int, output: Int)? = (10, 5),
                                           model: String = "gpt-test", streamed: Bool = false, fragments: Int = 3,
                                           eventDelay: Double = 0) -> Reply {
            if !streamed {
                let list = calls.map { call in
                    #"{"id":\#(quoted(call.id)),"type":"function","function":{"name":\#(quoted(call.name)),"arguments":\#(quoted(call.arguments))}}"#
                }
                let message = #"{"role":"assistant","content":null,"tool_calls":[\#(list.joined(separator: ","))],"refusal":null}"#
                return json(openAIAnswer(model: model, message: message, finishReason: "tool_calls", usage: usage))
            }
            var events = [openAIChunk(model: model, delta: #"{"role":"assistant","content":null}"#)]
            for (index, call) in calls.enumerated() {
                let first = #"{"index":\#(index),"id":\#(quoted(call.id)),"type":"function","function":{"name":\#(quoted(call.name)),"arguments":""}}"#
                events.append(openAIChunk(model: model, delta: #"{"tool_calls":[\#(first)]}"#))
                for piece in pieces(of: call.arguments, count: fragments) {
                    let fragment = #"{"index":\#(index),"function":{"arguments":\#(quoted(piece))}}"#
                    events.append(openAIChunk(model: model, delta: #"{"tool_calls":[\#(fragment)]}"#))
                }
            }
            events.append(openAIChunk(model: model, delta: "{}", finishReason: "tool_calls"))
            return openAIStream(events, model: model, usage: usage, eventDelay: eventDelay)
        }

        private static func openAIAnswer(model: String, message: String, finishReason: String, usage: (input: Int, output: Int)?) -> String {
            var answer = #"{"id":"chatcmpl-scripted","object":"chat.completion","created":1700000000,"model":\#(quoted(model)),"#
            answer += #""choices":[{"index":0,"message":\#(message),"logprobs":null,"finish_reason":\#(quoted(finishReason))}]"#
            if let usage { answer += #","usage":\#(openAIUsage(usage))"# }
            return answer + "}"
        }

        private static func openAIUsage(_ usage: (input: Int, output: Int)) -> String {
            #"{"prompt_tokens":\#(usage.input),"completion_tokens":\#(usage.output),"total_tokens":\#(usage.input + usage.output)}"#
        }

        private static func openAIChunk(model: String, delta: String, finishReason: String? = nil) -> String {
            let reason = finishReason.map(quoted) ?? "null"
            return #"{"id":"chatcmpl-scripted","object":"chat.completion.chunk","created":1700000000,"model":\#(quoted(model)),"#
                + #""choices":[{"index":0,"delta":\#(delta),"logprobs":null,"finish_reason":\#(reason)}]}"#
        }

        private static func openAIStream(_ chunks: [String], model: String, usage: (input: Int, output: Int)?, eventDelay: Double) -> Reply {
            var chunks = chunks
            if let usage {
                chunks.append(#"{"id":"chatcmpl-scripted","object":"chat.completion.chunk","created":1700000000,"model":\#(quoted(model)),"#
                    + #""choices":[],"usage":\#(openAIUsage(usage))}"#)
            }
            chunks.append("[DONE]")
            return stream(chunks.map { "data: \($0)\n\n" }, eventDelay: eventDelay)
        }

        // MARK: Anthropic's Messages

        /// A text answer; streamed, message_start, a text block in `deltas` pieces (with a ping), message_delta and message_stop.
        public static func anthropicText(_ text: String, usage: (input: Int, output: Int) = (10, 5), model: String = "claude-test",
                                         stopReason: String = "end_turn", streamed: Bool = false, deltas: Int = 3, eventDelay: Double = 0) -> Reply {
            anthropic(text: text, calls: [], usage: usage, model: model, stopReason: stopReason, streamed: streamed, pieces: deltas,
                      eventDelay: eventDelay)
        }

        /// tool_use blocks, after a text block when `text` is not empty; `input` is each call's input object as JSON text.
        /// Streamed, each input comes in `fragments` input_json_delta pieces.
        public static func anthropicToolUse(_ calls: [(id: String, name: String, input: String)], text: String = "",
                                            usage: (input: Int, output: Int) = (10, 5), model: String = "claude-test", streamed: Bool = false,
                                            fragments: Int = 3, eventDelay: Double = 0) -> Reply {
            anthropic(text: text, calls: calls, usage: usage, model: model, stopReason: "tool_use", streamed: streamed, pieces: fragments,
                      eventDelay: eventDelay)
        }

        private static func anthropic(text: String, calls: [(id: String, name: String, input: String)], usage: (input: Int, output: Int),
                                      model: String, stopReason: String, streamed: Bool, pieces count: Int, eventDelay: Double) -> Reply {
            if !streamed {
                var blocks: [String] = []
                if !text.isEmpty || calls.isEmpty { blocks.append(#"{"type":"text","text":\#(quoted(text))}"#) }
                for call in calls {
                    blocks.append(#"{"type":"tool_use","id":\#(quoted(call.id)),"name":\#(quoted(call.name)),"input":\#(call.input)}"#)
                }
                return json(#"{"id":"msg_scripted","type":"message","role":"assistant","model":\#(quoted(model)),"#
                    + #""content":[\#(blocks.joined(separator: ","))],"stop_reason":\#(quoted(stopReason)),"stop_sequence":null,"#
                    + #""usage":{"input_tokens":\#(usage.input),"output_tokens":\#(usage.output)}}"#)
            }
            func event(_ type: String, _ data: String) -> String { "event: \(type)\ndata: \(data)\n\n" }
            var events = [event("message_start", #"{"type":"message_start","message":{"id":"msg_scripted","type":"message","role":"assistant","#
                + #""model":\#(quoted(model)),"content":[],"stop_reason":null,"stop_sequence":null,"#
                + #""usage":{"input_tokens":\#(usage.input),"output_tokens":1}}}"#)]
            var index = 0
            if !text.isEmpty || calls.isEmpty {
                events.append(event("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#))
                events.append(event("ping", #"{"type": "ping"}"#))
                for piece in pieces(of: text, count: count) {
                    events.append(event("content_block_delta",
                                        #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":\#(quoted(piece))}}"#))
                }
                events.append(event("content_block_stop", #"{"type":"content_block_stop","index":0}"#))
                index = 1
            }
            for call in calls {
                events.append(event("content_block_start", #"{"type":"content_block_start","index":\#(index),"#
                    + #""content_block":{"type":"tool_use","id":\#(quoted(call.id)),"name":\#(quoted(call.name)),"input":{}}}"#))
                for piece in pieces(of: call.input, count: count) {
                    events.append(event("content_block_delta", #"{"type":"content_block_delta","index":\#(index),"#
                        + #""delta":{"type":"input_json_delta","partial_json":\#(quoted(piece))}}"#))
                }
                events.append(event("content_block_stop", #"{"type":"content_block_stop","index":\#(index)}"#))
                index += 1
            }
            events.append(event("message_delta", #"{"type":"message_delta","delta":{"stop_reason":\#(quoted(stopReason)),"stop_sequence":null},"#
                + #""usage":{"output_tokens":\#(usage.output)}}"#))
            events.append(event("message_stop", #"{"type":"message_stop"}"#))
            return stream(events, eventDelay: eventDelay)
        }

        // MARK: Failures and anything else

        /// An error status with a `{"error":{"message"}}` body (the shape both providers use) unless `body` is given.
        public static func status(_ code: Int, retryAfter: String? = nil, message: String? = nil, body: String? = nil) -> Reply {
            let text = body ?? #"{"type":"error","error":{"type":"scripted_error","message":\#(quoted(message ?? "scripted HTTP \(code)"))}}"#
            var headers = [("Content-Type", "application/json")]
            if let retryAfter { headers.append(("Retry-After", retryAfter)) }
            return Reply(status: code, headers: headers, body: .whole(Array(text.utf8)))
        }

        /// These bytes as the body, whatever they are (malformed JSON, say).
        public static func raw(_ bytes: [UInt8], status: Int = 200, contentType: String = "application/json") -> Reply {
            Reply(status: status, headers: [("Content-Type", contentType)], body: .whole(bytes))
        }

        /// A 200 `text/event-stream` of exactly these texts, each sent as written (events with their blank lines, or any bytes).
        public static func eventStream(_ texts: [String], eventDelay: Double = 0) -> Reply {
            stream(texts, eventDelay: eventDelay)
        }

        /// A streamed text answer in `format` whose connection closes after `events` whole events (in the middle of the next when `midEvent`).
        public static func cutStream(after events: Int, midEvent: Bool = true, format: ModelEndpoint.Provider = .openAI) -> Reply {
            let text = "one two three four five six seven eight nine ten"
            let reply = format == .openAI ? openAIText(text, streamed: true, deltas: 10) : anthropicText(text, streamed: true, deltas: 10)
            return reply.cut(after: events, midEvent: midEvent)
        }

        /// `reply`, sent only `seconds` after the request arrived.
        public static func delay(_ seconds: Double, then reply: Reply = .openAIText("late")) -> Reply {
            reply.delayed(by: seconds)
        }

        private static func json(_ text: String) -> Reply {
            Reply(status: 200, headers: [("Content-Type", "application/json")], body: .whole(Array(text.utf8)))
        }

        private static func stream(_ events: [String], eventDelay: Double) -> Reply {
            Reply(status: 200, headers: [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache")],
                  body: .events(events.map { Array($0.utf8) }, interval: eventDelay, cut: nil))
        }

        private static func quoted(_ text: String) -> String { JSONValue.string(text).canonicalText }

        /// `text` in at most `count` pieces of whole characters, as even as they come; one empty piece for empty text.
        static func pieces(of text: String, count: Int) -> [String] {
            let characters = Array(text)
            guard !characters.isEmpty else { return [""] }
            let parts = max(1, min(count, characters.count))
            return (0..<parts).map { part in
                String(characters[(part * characters.count / parts)..<((part + 1) * characters.count / parts)])
            }
        }
    }

    public var port: UInt16 { listener.port }
    private let listener: LoopbackListener
    private let lock = NSLock()
    private var replies: [Reply] = []
    private var standingReply: Reply?
    private var recorded: [Request] = []
    private var spentNanoseconds: UInt64 = 0

    /// `http://127.0.0.1:PORT`: an Anthropic endpoint's base URL.
    public var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }
    /// `http://127.0.0.1:PORT/v1`: an OpenAI endpoint's base URL.
    public var openAIBaseURL: URL { URL(string: "http://127.0.0.1:\(port)/v1")! }

    public init() throws {
        listener = try LoopbackListener()
        listener.start { [self] connection, number in serve(connection, number: number) }
    }

    /// Adds replies to the end of the queue.
    public func enqueue(_ replies: Reply...) { enqueue(contentsOf: replies) }

    public func enqueue(contentsOf replies: [Reply]) {
        lock.withLock { self.replies.append(contentsOf: replies) }
    }

    /// The reply for every request that finds the queue empty (a benchmark's endless answers); nil, the
    /// default, answers those with a 500 that says no reply was scripted.
    public func setStandingReply(_ reply: Reply?) {
        lock.withLock { standingReply = reply }
    }

    /// Every request so far, in the order they arrived.
    public var requests: [Request] { lock.withLock { recorded } }

    /// Forgets the recorded requests (a long benchmark would otherwise keep them all).
    public func removeRecordedRequests() {
        lock.withLock { recorded.removeAll() }
    }

    /// Replies enqueued and not yet taken.
    public var pendingReplies: Int { lock.withLock { replies.count } }

    /// Connections accepted so far: fewer than the requests when the client kept them alive.
    public var connectionCount: Int { listener.connectionCount }

    /// The processor time the server's connection threads have spent so far (reading, answering, writing),
    /// in nanoseconds: what a benchmark takes from its process's time to leave the host's.
    public var processorNanoseconds: UInt64 { lock.withLock { spentNanoseconds } }

    /// Stops accepting and ends every open connection.
    public func stop() { listener.stop() }

    private func serve(_ client: Int32, number: Int) {
        var mark = Self.nanoseconds(CLOCK_THREAD_CPUTIME_ID)
        defer {
            let spent = Self.nanoseconds(CLOCK_THREAD_CPUTIME_ID) - mark
            lock.withLock { spentNanoseconds += spent }
        }
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while let raw = LoopbackListener.readRequest(client, pending: &pending, buffer: &buffer) {
            let request = Request(method: raw.method, target: raw.target, headers: raw.headers, body: raw.body, connection: number,
                                  receivedAt: raw.receivedAt, answeredAt: nil)
            let (index, reply) = lock.withLock { () -> (Int, Reply) in
                recorded.append(request)
                let reply = replies.isEmpty ? standingReply ?? Self.noReply(for: request, number: recorded.count) : replies.removeFirst()
                return (recorded.count - 1, reply)
            }
            if reply.delay > 0 { Thread.sleep(forTimeInterval: reply.delay) }
            var eventsSentAt: [UInt64] = []
            let keepOpen = write(reply, to: client, eventsSentAt: &eventsSentAt)
            let answeredAt = ContinuousClock.now
            let now = Self.nanoseconds(CLOCK_THREAD_CPUTIME_ID)
            lock.withLock {
                if index < recorded.count {
                    recorded[index].answeredAt = answeredAt
                    recorded[index].eventsSentAt = eventsSentAt
                }
                spentNanoseconds += now - mark
            }
            mark = now
            if !keepOpen || request.headers["connection"]?.lowercased() == "close" { return }
        }
    }

    private static func noReply(for request: Request, number: Int) -> Reply {
        .status(500, message: "ModelProviderServer: no reply was scripted for request \(number) (\(request.method) \(request.target)); enqueue one")
    }

    /// Writes the answer; false when the connection is to be closed (a cut stream, or a client that left).
    private func write(_ reply: Reply, to client: Int32, eventsSentAt: inout [UInt64]) -> Bool {
        var head = "HTTP/1.1 \(reply.status) \(Self.reasonPhrase(reply.status))\r\n"
        for (name, value) in reply.headers { head += "\(name): \(value)\r\n" }
        switch reply.body {
        case .whole(let body):
            head += "Content-Length: \(body.count)\r\n\r\n"
            return LoopbackListener.send(Array(head.utf8) + body, to: client)
        case .events(let events, let interval, let cut):
            head += "Transfer-Encoding: chunked\r\n\r\n"
            guard LoopbackListener.send(Array(head.utf8), to: client) else { return false }
            for (index, event) in events.enumerated() {
                if index > 0, interval > 0 { Thread.sleep(forTimeInterval: interval) }
                if let cut, index == cut.after {
                    if cut.midEvent { _ = LoopbackListener.send(Self.chunk(Array(event.prefix(max(1, event.count / 2)))), to: client) }
                    shutdown(client, Int32(SHUT_RDWR))
                    return false
                }
                let chunk = Self.chunk(event)
                eventsSentAt.append(Self.nanoseconds(CLOCK_MONOTONIC))
                guard LoopbackListener.send(chunk, to: client) else { return false }
            }
            if let cut, cut.after >= events.count {
                shutdown(client, Int32(SHUT_RDWR))  // every event went, but the stream never ended properly
                return false
            }
            return LoopbackListener.send(Array("0\r\n\r\n".utf8), to: client)
        }
    }

    /// `clock`'s reading in nanoseconds: CLOCK_MONOTONIC for when, CLOCK_THREAD_CPUTIME_ID for this thread's processor time.
    private static func nanoseconds(_ clock: clockid_t) -> UInt64 {
        var time = timespec()
        clock_gettime(clock, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    private static func chunk(_ bytes: [UInt8]) -> [UInt8] {
        Array((String(bytes.count, radix: 16) + "\r\n").utf8) + bytes + [13, 10]
    }

    private static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 529: "Overloaded"
        default: "Status"
        }
    }
}
