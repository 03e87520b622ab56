import AgentHostCore
import AgentHostModels
import AgentHostTestSupport
import Foundation
import Testing

/// The OpenAI wire format against a loopback server that answers as Chat Completions does.
@Suite struct OpenAIChatTests {
    @Test func textAnswerInOneJSONBody() throws {
        let fixture = try ModelTestFixture()
        defer { fixture.close() }
        fixture.server.enqueue(.openAIText("Hello there", usage: (12, 3)))

        let (result, events) = fixture.call(ModelTestFixture.question(), format: .openAI)

        let completion = try result.get()
        #expect(completion.text == "Hello there")
        #expect(completion.usage == ModelUsage(inputTokens: 12, outputTokens: 3))
        #expect(completion.stopReason == .stop)
        #expect(completion.providerModel == "gpt-test")
        #expect(completion.retries == 0)
        #expect(events == [.text("Hello there"), .usage(ModelUsage(inputTokens: 12, outputTokens: 3))])
        let request = try #require(fixture.server.requests.first)
        #expect(request.method == "POST")
        #expect(request.path == "/v1/chat/completions")
        #expect(request.json?.value(at: ["stream"]) == .bool(false))
        #expect(request.json?.value(at: ["stream_options"]) == nil)
    }

    @Test func streamedTextArrivesAsDeltasInOrder() throws {
        let fixture = try ModelTestFixture()
        defer { fixture.close() }
        let text = "The quick brown fox jumps over the lazy dog"
        fixture.server.enqueue(.openAIText(text, usage: (20, 9), streamed: true, deltas: 5))

        let (result, events) = fixture.call(ModelTestFixture.question(stream: true), format: .openAI)

        let completion = try result.get()
        let deltas = events.compactMap(\.text)
        #expect(deltas.count == 5)
        #expect(deltas.joined() == text)
        #expect(completion.text == text)
        #expect(events.last == .usage(ModelUsage(inputTokens: 20, outputTokens: 9)))
        #expect(completion.usage == ModelUsage(inputTokens: 20, outputTokens: 9))
        #expect(completion.stopReason == .stop)
        let body = try #require(fixture.server.requests.first?.json)
        #expect(body.value(at: ["stream"]) == .bool(true))
        #expect(body.value(at: ["stream_options", "include_usage"]) == .bool(true))
        #expect(fixture.server.requests.first?.headers["accept"] == "text/event-stream")
    }

    @Test(arguments: [false, true]) func toolCallsWithExactArguments(streamed: Bool) throws {
        let fixture = try ModelTestFixture()
        defer { fixture.close() }
        let weather = #"{"city":"Paris","unit":"celsius","days":[1,2]}"#
        let time = #"{"zone":"Europe/Paris"}"#
        fixture.server.enqueue(.openAIToolCalls([("call_a1", "get_weather", weather), ("call_b2", "get_time", time)], usage: (30, 11),
                                                streamed: streamed, fragments: 4))

        let (result, events) = fixture.call(ModelTestFixture.question(stream: streamed), format: .openAI)

        let completion = try result.get()
        let expected = [ModelToolCall(id: "call_a1", name: "get_weather", arguments: weather),
                        ModelToolCall(id: "call_b2", name: "get_time", arguments: time)]
        #expect(completion.toolCalls == expected)
        #expect(events.compactMap(\.toolCall) == expected)
        #expect(completion.stopReason == .toolCalls)
        #expect(completion.text == "")
        #expect(completion.usage == ModelUsage(inputTokens: 30, outputTokens: 11))
    }

    @Test func requestCarriesConversationToolsAndKey() throws {
        let fixture = try ModelTestFixture()
        defer { fixture.close() }
        fixture.server.enqueue(.openAIText("done"))
        let parameters = JSONValue.object(["type": .string("object"), "properties": .object(["city": .object(["type": .string("string")])])])
        let request = ModelRequest(messages: [
            ModelMessage(role: .system, content: "You plan trips."),
            ModelMessage(role: .user, content: "Weather in \"Paris\"?\nThanks"),
            ModelMessage(role: .assistant, content: "", toolCalls: [ModelToolCall(id: "call_1", name: "get_weather", arguments: #"{"city":"Paris"}"#)]),
            ModelMessage(role: .tool, content: "sunny, 21 C", toolCallID: "call_1"),
        ], tools: [ModelToolDefinition(name: "get_weather", description: "The weather in a city", parameters: parameters)],
        maxTokens: 300, temperature: 0.25)

        _ = try fixture.call(request, format: .openAI).result.get()

        let sent = try #require(fixture.server.requests.first)
        #expect(sent.headers["authorization"] == "Bearer \(ModelTestFixture.key)")
        #expect(sent.headers["content-type"] == "application/json")
        #expect(sent.headers["x-api-key"] == nil)
        let body = try #require(sent.json)
        #expect(body.value(at: ["model"]) == .string("gpt-4o-mini"))
        #expect(body.value(at: ["messages", "0"]) == .object(["role": .string("system"), "content": .string("You plan trips.")]))
        #expect(body.value(at: ["messages", "1", "content"]) == .string("Weather in \"Paris\"?\nThanks"))
        #expect(body.value(at: ["messages", "2", "role"]) == .string("assistant"))
        #expect(body.value(at: ["messages", "2", "content"]) == .null)
        #expect(body.value(at: ["messages", "2", "tool_calls", "0"]) == .object([
            "id": .string("call_1"), "type": .string("function"),
            "function": .object(["name": .string("get_weather"), "arguments": .string(#"{"city":"Paris"}"#)]),
        ]))
        #expect(body.value(at: ["messages", "3"]) == .object([
            "role": .string("tool"), "content": .string("sunny, 21 C"), "tool_call_id": .string("call_1"),
        ]))
        #expect(body.value(at: ["tools", "0"]) == .object([
            "type": .string("function"),
            "function": .object(["name": .string("get_weather"), "description": .string("The weather in a city"), "parameters": parameters]),
        ]))
        #expect(body.value(at: ["max_tokens"]) == .number(300))
        #expect(body.value(at: ["temperature"]) == .number(0.25))
        #expect(body.value(at: ["response_format"]) == nil)
    }

    @Test func responseSchemaBecomesResponseFormat() throws {
        let fixture = try ModelTestFixture()
        defer { fixture.close() }
        fixture.server.enqueue(.openAIText(#"{"answer":42}"#))
        let schema = JSONValue.object(["type": .string("object"), "properties": .object(["answer": .object(["type": .string("number")])]),
                                       "required": .array([.string("answer")]), "additionalProperties": .bool(false)])
        var request = ModelTestFixture.question()
        request.responseSchema = schema

        let completion = try fixture.call(request, format: .openAI).result.get()

        #expect(completion.text == #"{"answer":42}"#)
        let body = try #require(fixture.server.requests.first?.json)
        #expect(body.value(at: ["response_format"]) == .object([
            "type": .string("json_schema"),
            "json_schema": .object(["name": .string("answer"), "schema": schema, "strict": .bool(true)]),
        ]))
    }

    @Test func badRequestCarriesTheProvidersMessage() throws {
        let fixture = try ModelTestFixture()
        defer { fixture.close() }
        let message = "Invalid 'messages[1].content': string too long. Expected a string with maximum length 1048576."
        fixture.server.enqueue(.status(400, body: #"{"error":{"message":"\#(message)","type":"invalid_request_error","param":"messages[1].content","code":"string_above_max_length"}}"#))

        let (result, events) = fixture.call(ModelTestFixture.question(), format: .openAI)

        #expect(result.failure == .http(alias: "scripted", status: 400, message: message))
        #expect(events.isEmpty)
        #expect(fixture.server.requests.count == 1)  // a 400 is not tried again
    }

    @Test func streamThatEndsAfterFinishReasonWithoutDoneIsComplete() throws {
        let fixture = try ModelTestFixture()
        defer { fixture.close() }
        fixture.server.enqueue(.eventStream([
            #"data: {"model":"m","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}"# + "\n\n",
            #"data: {"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"length"}]}"# + "\n\n",
        ]))

        let completion = try fixture.call(ModelTestFixture.question(stream: true), format: .openAI).result.get()

        #expect(completion.text == "Hi")
        #expect(completion.stopReason == .length)
    }

    @Test func streamThatEndsWithoutFinishOrDoneIsCut() throws {
        let fixture = try ModelTestFixture()
        defer { fixture.close() }
        fixture.server.enqueue(.eventStream([
            #"data: {"model":"m","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}"# + "\n\n",
        ]))

        let (result, events) = fixture.call(ModelTestFixture.question(stream: true), format: .openAI)

        guard case .streamCut(_, let problem)? = result.failure else {
            Issue.record("expected streamCut, got \(result)")
            return
        }
        #expect(problem.contains("[DONE]"))
        #expect(events == [.text("Hi")])
    }

    @Test func malformedStreamChunkIsNamed() throws {
        let fixture = try ModelTestFixture()
        defer { fixture.close() }
        fixture.server.enqueue(.eventStream(["data: {\"choices\": [tru\n\n", "data: [DONE]\n\n"]))

        let (result, _) = fixture.call(ModelTestFixture.question(stream: true), format: .openAI)

        guard case .malformed(_, let problem)? = result.failure else {
            Issue.record("expected malformed, got \(result)")
            return
        }
        #expect(problem.contains("stream chunk 1"))
        #expect(problem.contains("[tru"))
    }

    @Test func answerWithoutChoicesIsMalformed() throws {
        let fixture = try ModelTestFixture()
        defer { fixture.close() }
        fixture.server.enqueue(.raw(Array(#"{"id":"x","object":"chat.completion","choices":[]}"#.utf8)))

        let (result, _) = fixture.call(ModelTestFixture.question(), format: .openAI)

        guard case .malformed(_, let problem)? = result.failure else {
            Issue.record("expected malformed, got \(result)")
            return
        }
        #expect(problem.contains("no choices"))
    }
}
