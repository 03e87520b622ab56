import AgentHostCore
import Foundation
import NIOHTTP1

/// Anthropic's Messages API (`POST {base}/v1/messages`). Unlike Chat
/// Completions the system prompt is a field of its own, a turn's content is
/// a list of blocks, tool calls are `tool_use` blocks whose `input` is an
/// object (not JSON text), results go back as `tool_result` blocks of a user
/// turn, `max_tokens` is required, and there is no structured-output field:
/// a response schema is asked for in the system prompt.
enum AnthropicMessagesFormat: ModelWireFormat {
    typealias StreamDecoder = AnthropicMessagesStreamDecoder

    static let version = "2023-06-01"

    static func request(for request: ModelRequest, endpoint: ModelEndpoint, key: String?) -> ModelWireRequest {
        var json = JSONWriter(capacity: request.messages.reduce(256) { $0 + $1.content.utf8.count + 64 } + request.tools.count * 512)
        json.beginObject()
        json.key("model")
        json.string(endpoint.model)
        json.key("max_tokens")
        json.int(request.maxTokens ?? endpoint.defaultMaxTokens)
        let system = systemPrompt(for: request)
        if !system.isEmpty {
            json.key("system")
            json.string(system)
        }
        json.key("messages")
        json.beginArray()
        writeTurns(request.messages, to: &json)
        json.endArray()
        if !request.tools.isEmpty {
            json.key("tools")
            json.beginArray()
            for tool in request.tools {
                json.beginObject()
                json.key("name")
                json.string(tool.name)
                json.key("description")
                json.string(tool.description)
                json.key("input_schema")
                json.raw(tool.parametersJSON)
                json.endObject()
            }
            json.endArray()
        }
        if let temperature = request.temperature {
            json.key("temperature")
            json.double(temperature)
        }
        json.key("stream")
        json.bool(request.stream)
        json.endObject()

        var headers = HTTPHeaders()
        headers.reserveCapacity(5)
        if let key, !key.isEmpty { headers.add(name: "x-api-key", value: key) }
        headers.add(name: "anthropic-version", value: version)
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "accept", value: request.stream ? "text/event-stream" : "application/json")
        headers.add(name: "user-agent", value: "AgentHost")
        return ModelWireRequest(url: url(endpoint, "/v1/messages"), headers: headers, body: json.bytes)
    }

    /// The system messages, joined, and the response schema said in words.
    static func systemPrompt(for request: ModelRequest) -> String {
        var parts = request.messages.compactMap { $0.role == .system && !$0.content.isEmpty ? $0.content : nil }
        if let schema = request.responseSchema {
            parts.append("""
                Answer with JSON only: one JSON value that matches the JSON Schema below, \
                with no other text before or after it and no code fence.
                \(schema.canonicalText)
                """)
        }
        return parts.joined(separator: "\n\n")
    }

    /// The conversation as turns of content blocks. Consecutive messages on
    /// the same side (several tool results, a tool result and the user's
    /// next words) share one turn, as the API wants: it takes tool results
    /// only in the user turn right after the assistant's tool calls.
    private static func writeTurns(_ messages: [ModelMessage], to json: inout JSONWriter) {
        var openRole: String?
        for message in messages where message.role != .system {
            let role = message.role == .assistant ? "assistant" : "user"
            if role != openRole {
                if openRole != nil {
                    json.endArray()
                    json.endObject()
                }
                json.beginObject()
                json.key("role")
                json.string(role)
                json.key("content")
                json.beginArray()
                openRole = role
            }
            switch message.role {
            case .tool:
                json.beginObject()
                json.key("type")
                json.string("tool_result")
                json.key("tool_use_id")
                json.string(message.toolCallID ?? "")
                json.key("content")
                json.string(message.content)
                json.endObject()
            case .assistant:
                if !message.content.isEmpty || message.toolCalls.isEmpty { writeText(message.content, to: &json) }
                for call in message.toolCalls {
                    json.beginObject()
                    json.key("type")
                    json.string("tool_use")
                    json.key("id")
                    json.string(call.id)
                    json.key("name")
                    json.string(call.name)
                    json.key("input")
                    writeInput(call.arguments, to: &json)
                    json.endObject()
                }
            case .user, .system:
                writeText(message.content, to: &json)
            }
        }
        if openRole != nil {
            json.endArray()
            json.endObject()
        }
    }

    private static func writeText(_ text: String, to json: inout JSONWriter) {
        json.beginObject()
        json.key("type")
        json.string("text")
        json.key("text")
        json.string(text)
        json.endObject()
    }

    /// A tool call's arguments as the object `input` must be. Arguments that
    /// are not a JSON object (a model that wrote nothing, or garbage, which
    /// the host answered with an error result) go back as `{}`: the API
    /// refuses the whole request otherwise.
    private static func writeInput(_ arguments: String, to json: inout JSONWriter) {
        let bytes = Array(arguments.utf8)
        let first = bytes.first { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\t") }
        if first == UInt8(ascii: "{"), JSONValue.isJSON(bytes) {
            json.raw(bytes)
        } else {
            json.raw("{}".utf8)
        }
    }

    static func completion(fromAnswer body: [UInt8]) throws(ModelWireProblem) -> ModelCompletion {
        let message = try decode(Message.self, from: body, what: "the answer")
        guard let blocks = message.content else {
            throw .malformed("the answer has no content: \(ModelWireProblem.excerpt(body))")
        }
        var text = ""
        var calls: [ModelToolCall] = []
        for (index, block) in blocks.enumerated() {
            switch block.type {
            case "text":
                text += block.text ?? ""
            case "tool_use":
                guard let id = block.id, let name = block.name else {
                    throw .malformed("content block \(index) of the answer is a tool_use without id or name: \(ModelWireProblem.excerpt(body))")
                }
                calls.append(ModelToolCall(id: id, name: name, arguments: (block.input ?? .object([:])).canonicalText))
            default:
                break  // thinking and other blocks the host does not use
            }
        }
        return ModelCompletion(text: text, toolCalls: calls, usage: message.usage?.modelUsage ?? ModelUsage(),
                               stopReason: stopReason(message.stopReason), providerModel: message.model)
    }

    static func stopReason(_ reason: String?) -> ModelCompletion.StopReason {
        switch reason {
        case "end_turn", "stop_sequence", nil: .stop
        case "tool_use": .toolCalls
        case "max_tokens": .length
        case "refusal": .contentFilter
        case let other?: .other(other)
        }
    }

    /// The HTTP status an error type stands for (an `error` event of a stream comes inside a 200).
    static func status(ofErrorType type: String?) -> Int {
        switch type {
        case "invalid_request_error": 400
        case "authentication_error": 401
        case "billing_error": 402
        case "permission_error": 403
        case "not_found_error": 404
        case "request_too_large": 413
        case "rate_limit_error": 429
        case "overloaded_error": 529
        default: 500
        }
    }

    /// A whole answer, and the `message` of a stream's `message_start`.
    struct Message: WireDecodable {
        var model: String?
        var content: [Block]?
        var stopReason: String?
        var usage: Usage?

        init(_ object: WireObject) throws(WireFieldProblem) {
            model = try object.string("model")
            content = try object.array("content", of: Block.self)
            stopReason = try object.string("stop_reason")
            usage = try object.object("usage", as: Usage.self)
        }
    }

    struct Block: WireDecodable {
        var type: String
        var text: String?
        var id: String?
        var name: String?
        var input: JSONValue?

        init(_ object: WireObject) throws(WireFieldProblem) {
            type = try object.requiredString("type")
            text = try object.string("text")
            id = try object.string("id")
            name = try object.string("name")
            input = object.value("input")
        }
    }

    struct Usage: WireDecodable {
        var inputTokens: Int?
        var outputTokens: Int?

        var modelUsage: ModelUsage { ModelUsage(inputTokens: inputTokens ?? 0, outputTokens: outputTokens ?? 0) }

        init(_ object: WireObject) throws(WireFieldProblem) {
            inputTokens = try object.int("input_tokens")
            outputTokens = try object.int("output_tokens")
        }
    }

    /// The data of one stream event; which fields it has depends on its type.
    struct StreamEvent: WireDecodable {
        var type: String?
        var message: Message?
        var index: Int?
        var contentBlock: Block?
        var delta: Delta?
        var usage: Usage?
        var error: StreamError?

        init(_ object: WireObject) throws(WireFieldProblem) {
            type = try object.string("type")
            message = try object.object("message", as: Message.self)
            index = try object.int("index")
            contentBlock = try object.object("content_block", as: Block.self)
            delta = try object.object("delta", as: Delta.self)
            usage = try object.object("usage", as: Usage.self)
            error = try object.object("error", as: StreamError.self)
        }

        struct Delta: WireDecodable {
            var type: String?
            var text: String?
            var partialJSON: String?
            var stopReason: String?

            init(_ object: WireObject) throws(WireFieldProblem) {
                type = try object.string("type")
                text = try object.string("text")
                partialJSON = try object.string("partial_json")
                stopReason = try object.string("stop_reason")
            }
        }

        struct StreamError: WireDecodable {
            var type: String?
            var message: String?

            init(_ object: WireObject) throws(WireFieldProblem) {
                type = try object.string("type")
                message = try object.string("message")
            }
        }
    }
}
