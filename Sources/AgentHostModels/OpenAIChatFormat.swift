import AgentHostCore
import Foundation
import NIOHTTP1

/// OpenAI's Chat Completions (`POST {base}/chat/completions`), which
/// OpenAI, vLLM, llama.cpp's server, Ollama, LM Studio and most gateways
/// speak. Fields are written in the order OpenAI's reference lists them.
enum OpenAIChatFormat: ModelWireFormat {
    typealias StreamDecoder = OpenAIChatStreamDecoder

    static func request(for request: ModelRequest, endpoint: ModelEndpoint, key: String?) -> ModelWireRequest {
        var json = JSONWriter(capacity: request.messages.reduce(256) { $0 + $1.content.utf8.count + 64 } + request.tools.count * 512)
        json.beginObject()
        json.key("model")
        json.string(endpoint.model)
        json.key("messages")
        json.beginArray()
        for message in request.messages { write(message, to: &json) }
        json.endArray()
        if !request.tools.isEmpty {
            json.key("tools")
            json.beginArray()
            for tool in request.tools {
                json.beginObject()
                json.key("type")
                json.string("function")
                json.key("function")
                json.beginObject()
                json.key("name")
                json.string(tool.name)
                json.key("description")
                json.string(tool.description)
                json.key("parameters")
                json.raw(tool.parametersJSON)
                json.endObject()
                json.endObject()
            }
            json.endArray()
        }
        if let schema = request.responseSchema {
            json.key("response_format")
            json.beginObject()
            json.key("type")
            json.string("json_schema")
            json.key("json_schema")
            json.beginObject()
            json.key("name")
            json.string("answer")
            json.key("schema")
            json.value(schema)
            json.key("strict")
            json.bool(true)
            json.endObject()
            json.endObject()
        }
        if let maxTokens = request.maxTokens {
            json.key("max_tokens")
            json.int(maxTokens)
        }
        if let temperature = request.temperature {
            json.key("temperature")
            json.double(temperature)
        }
        json.key("stream")
        json.bool(request.stream)
        if request.stream {
            // Without it the stream carries no token counts at all.
            json.key("stream_options")
            json.beginObject()
            json.key("include_usage")
            json.bool(true)
            json.endObject()
        }
        json.endObject()

        var headers = HTTPHeaders()
        headers.reserveCapacity(4)
        if let key, !key.isEmpty { headers.add(name: "Authorization", value: "Bearer " + key) }
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Accept", value: request.stream ? "text/event-stream" : "application/json")
        headers.add(name: "User-Agent", value: "AgentHost")
        return ModelWireRequest(url: url(endpoint, "/chat/completions"), headers: headers, body: json.bytes)
    }

    private static func write(_ message: ModelMessage, to json: inout JSONWriter) {
        json.beginObject()
        json.key("role")
        json.string(message.role.rawValue)
        json.key("content")
        if message.content.isEmpty, !message.toolCalls.isEmpty {
            json.null()  // what OpenAI itself sends for an assistant turn that only called tools
        } else {
            json.string(message.content)
        }
        if message.role == .assistant, !message.toolCalls.isEmpty {
            json.key("tool_calls")
            json.beginArray()
            for call in message.toolCalls {
                json.beginObject()
                json.key("id")
                json.string(call.id)
                json.key("type")
                json.string("function")
                json.key("function")
                json.beginObject()
                json.key("name")
                json.string(call.name)
                json.key("arguments")
                json.string(call.arguments)
                json.endObject()
                json.endObject()
            }
            json.endArray()
        }
        if message.role == .tool, let id = message.toolCallID {
            json.key("tool_call_id")
            json.string(id)
        }
        json.endObject()
    }

    static func completion(fromAnswer body: [UInt8]) throws(ModelWireProblem) -> ModelCompletion {
        let answer = try decode(Answer.self, from: body, what: "the answer")
        guard let choice = answer.choices?.first else {
            throw .malformed("the answer has no choices: \(ModelWireProblem.excerpt(body))")
        }
        let message = choice.message
        var calls: [ModelToolCall] = []
        for (index, call) in (message?.toolCalls ?? []).enumerated() {
            guard let name = call.function?.name else {
                throw .malformed("tool call \(index) of the answer has no function name: \(ModelWireProblem.excerpt(body))")
            }
            calls.append(ModelToolCall(id: call.id ?? "call_\(index)", name: name, arguments: call.function?.arguments ?? ""))
        }
        return ModelCompletion(text: message?.content ?? "", toolCalls: calls, usage: answer.usage?.modelUsage ?? ModelUsage(),
                               stopReason: stopReason(choice.finishReason, hasToolCalls: !calls.isEmpty), providerModel: answer.model)
    }

    /// The host's name for a `finish_reason`; none (a server that leaves it out) is a stop, or a tool call when there are some.
    static func stopReason(_ reason: String?, hasToolCalls: Bool) -> ModelCompletion.StopReason {
        switch reason {
        case "stop": .stop
        case "tool_calls", "function_call": .toolCalls
        case "length": .length
        case "content_filter": .contentFilter
        case nil: hasToolCalls ? .toolCalls : .stop
        case let other?: .other(other)
        }
    }

    /// A whole answer; only what the host reads.
    struct Answer: WireDecodable {
        var model: String?
        var choices: [Choice]?
        var usage: Usage?

        init(_ object: WireObject) throws(WireFieldProblem) {
            model = try object.string("model")
            choices = try object.array("choices", of: Choice.self)
            usage = try object.object("usage", as: Usage.self)
        }

        struct Choice: WireDecodable {
            var message: Message?
            var finishReason: String?

            init(_ object: WireObject) throws(WireFieldProblem) {
                message = try object.object("message", as: Message.self)
                finishReason = try object.string("finish_reason")
            }
        }

        struct Message: WireDecodable {
            var content: String?
            var toolCalls: [ToolCall]?

            init(_ object: WireObject) throws(WireFieldProblem) {
                content = try object.string("content")
                toolCalls = try object.array("tool_calls", of: ToolCall.self)
            }
        }
    }

    /// A tool call, whole or (streamed) a fragment of one.
    struct ToolCall: WireDecodable {
        var index: Int?
        var id: String?
        var function: Function?

        init(_ object: WireObject) throws(WireFieldProblem) {
            index = try object.int("index")
            id = try object.string("id")
            function = try object.object("function", as: Function.self)
        }

        struct Function: WireDecodable {
            var name: String?
            var arguments: String?

            init(_ object: WireObject) throws(WireFieldProblem) {
                name = try object.string("name")
                arguments = try object.string("arguments")
            }
        }
    }

    struct Usage: WireDecodable {
        var promptTokens: Int?
        var completionTokens: Int?

        var modelUsage: ModelUsage { ModelUsage(inputTokens: promptTokens ?? 0, outputTokens: completionTokens ?? 0) }

        init(_ object: WireObject) throws(WireFieldProblem) {
            promptTokens = try object.int("prompt_tokens")
            completionTokens = try object.int("completion_tokens")
        }
    }

    /// One `data:` chunk of a stream.
    struct Chunk: WireDecodable {
        var model: String?
        var choices: [Choice]?
        var usage: Usage?
        /// What some servers send instead of a chunk when the model fails mid-stream.
        var error: StreamError?

        init(_ object: WireObject) throws(WireFieldProblem) {
            model = try object.string("model")
            choices = try object.array("choices", of: Choice.self)
            usage = try object.object("usage", as: Usage.self)
            error = try object.object("error", as: StreamError.self)
        }

        struct Choice: WireDecodable {
            var delta: Delta?
            var finishReason: String?

            init(_ object: WireObject) throws(WireFieldProblem) {
                delta = try object.object("delta", as: Delta.self)
                finishReason = try object.string("finish_reason")
            }
        }

        struct Delta: WireDecodable {
            var content: String?
            var toolCalls: [ToolCall]?

            init(_ object: WireObject) throws(WireFieldProblem) {
                content = try object.string("content")
                toolCalls = try object.array("tool_calls", of: ToolCall.self)
            }
        }

        struct StreamError: WireDecodable {
            var message: String?
            var type: String?

            init(_ object: WireObject) throws(WireFieldProblem) {
                message = try object.string("message")
                type = try object.string("type")
            }
        }
    }
}
