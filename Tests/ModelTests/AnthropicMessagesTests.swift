import AgentHostCore
import AgentHostModels
import AgentHostTestSupport
import Foundation
import Testing

/// The Anthropic wire format against a loopback server that answers as the Messages API does.
@Suite struct AnthropicMessagesTests {
    @Test func textAnswerInOneJSONBody() throws {
        let fixture = try ModelTestFixture()
        defer { fixture.close() }
        fixture.server.enqueue(.anthropicText("Hello there", usage: (12, 3)))

        let (result, events) = fixture.call(ModelTestFixture.question(), format: .anthropic)

        let completion = try result.get()
        #expect(completion.text == "Hello there")
        #expect(completion.usage == ModelUsage(inputTokens: 12, outputTokens: 3))
        #expect(completion.stopReason == .stop)
        #expect(completion.providerModel == "claude-test")
        #expect(events == [.text("Hello there"), .usage(ModelUsage(inputTokens: 12, outputTokens: 3))])
        #expect(fixture.server.requests.first?.path == "/v1/messages")
    }

    @Test func streamedTextArrivesAsDeltasInOrder() throws {
        let fixture = try ModelTestFixture()
        defer { fixture.close() }
        let text = "Ünïcödé and emoji 🌍🚀 survive being cut into deltas"
        fixture.server.enqueue(.anthropicText(text, usage: (25, 14), streamed: true, deltas: 6))

        let (result, events) = fixture.call(ModelTestFixture.question(stream: true), format: .anthropic)

        let completion = try result.get()
        let deltas = events.compactMap(\.text)
        #expect(deltas.count == 6)
        #expect(deltas.joined() == text)
        #expect(completion.text == text)
        #expect(events.last == .usage(ModelUsage(inputTokens: 25, outputTokens: 14)))
        #expect(completion.usage == ModelUsage(inputTokens: 25, outputTokens: 14))
        #expect(fixture.server.requests.first?.json?.value(at: ["stream"]) == .bool(true))
    }

    @Test func streamedToolUseJoinsInputFragmentsExactly() throws {
        let fixture = try ModelTestFixture()
        defer { fixture.close() }
        let input = #"{"path":"/tmp/a b.txt","lines":[1,20],"note":"say \"hi\""}"#
        fixture.server.enqueue(.anthropicToolUse([("toolu_01", "read_file", input), ("toolu_02", "list_dir", "")], text: "Let me look.",
                                                 streamed: true, fragments: 5))

        let (result, events) = fixture.call(ModelTestFixture.question(stream: true), format: .anthropic)

        let completion = try result.get()
        let expected = [ModelToolCall(id: "toolu_01", name: "read_file", arguments: input),
                        ModelToolCall(id: "toolu_02", name: "list_dir", arguments: "{}")]
        #expect(completion.toolCalls == expected)
        #expect(events.compactMap(\.toolCall) == expected)
        #expect(completion.text == "Let me look.")
        #expect(completion.stopReason == .toolCalls)
    }

    @Test func toolUseInOneJSONBody() throws {
        let fixture = try ModelTestFixture()
        defer { fixture.close() }
        let input = #"{"city":"Paris","days":[1,2],"metric":true}"#
        fixture.server.enqueue(.anthropicToolUse([("toolu_9", "get_weather", input)]))

        let completion = try fixture.call(ModelTestFixture.question(), format: .anthropic).result.get()

        let call = try #require(completion.toolCalls.first)
        #expect(completion.toolCalls.count == 1)
        #expect(call.id == "toolu_9")
        #expect(call.name == "get_weather")
        // The JSON answer has the input as an object, so its text is the host's writing of it: the same value.
        #expect(try JSONValue(parsing: Array(call.arguments.utf8)) == JSONValue(parsing: Array(input.utf8)))
        #expect(completion.stopReason == .toolCalls)
    }

    @Test func requestShapeSystemBlocksToolResultsAndKey() throws {
        let fixture = try ModelTestFixture()
        defer { fixture.close() }
        fixture.server.enqueue(.anthropicText("done"))
        let parameters = JSONValue.object(["type": .string("object"), "properties": .object(["path": .object(["type": .string("string")])])])
        let request = ModelRequest(messages: [
            ModelMessage(role: .system, content: "You read files."),
            ModelMessage(role: .system, content: "Be exact."),
            ModelMessage(role: .user, content: "What is in a and b?"),
            ModelMessage(role: .assistant, content: "Reading both.", toolCalls: [
                ModelToolCall(id: "toolu_a", name: "read_file", arguments: #"{"path":"a"}"#),
                ModelToolCall(id: "toolu_b", name: "read_file", arguments: "not json"),
            ]),
            ModelMessage(role: .tool, content: "alpha", toolCallID: "toolu_a"),
            ModelMessage(role: .tool, content: "beta", toolCallID: "toolu_b"),
        ], tools: [ModelToolDefinition(name: "read_file", description: "Reads a file", parameters: parameters)], temperature: 0.5)

        _ = try fixture.call(request, format: .anthropic).result.get()

        let sent = try #require(fixture.server.requests.first)
        #expect(sent.headers["x-api-key"] == ModelTestFixture.key)
        #expect(sent.headers["anthropic-version"] == "2023-06-01")
        #expect(sent.headers["content-type"] == "application/json")
        #expect(sent.headers["authorization"] == nil)
        let body = try #require(sent.json)
        #expect(body.value(at: ["model"]) == .string("claude-sonnet-4-5"))
        #expect(body.value(at: ["max_tokens"]) == .number(1234))  // the endpoint's default: the request named none
        #expect(body.value(at: ["system"]) == .string("You read files.\n\nBe exact."))
        #expect(body.value(at: ["temperature"]) == .number(0.5))
        guard case .array(let messages)? = body.value(at: ["messages"]) else {
            Issue.record("no messages array")
            return
        }
        #expect(messages.count == 3)  // no system turn; both tool results share one user turn
        #expect(messages[0] == .object(["role": .string("user"), "content": .array([
            .object(["type": .string("text"), "text": .string("What is in a and b?")]),
        ])]))
        #expect(messages[1] == .object(["role": .string("assistant"), "content": .array([
            .object(["type": .string("text"), "text": .string("Reading both.")]),
            .object(["type": .string("tool_use"), "id": .string("toolu_a"), "name": .string("read_file"),
                     "input": .object(["path": .string("a")])]),
            .object(["type": .string("tool_use"), "id": .string("toolu_b"), "name": .string("read_file"), "input": .object([:])]),
        ])]))
        #expect(messages[2] == .object(["role": .string("user"), "content": .array([
            .object(["type": .string("tool_result"), "tool_use_id": .string("toolu_a"), "content": .string("alpha")]),
            .object(["type": .string("tool_result"), "tool_use_id": .string("toolu_b"), "content": .string("beta")]),
        ])]))
        #expect(body.value(at: ["tools", "0"]) == .object([
            "name": .string("read_file"), "description": .string("Reads a file"), "input_schema": parameters,
        ]))
    }

    @Test func responseSchemaIsAskedForInTheSystemPrompt() throws {
        let fixture = try ModelTestFixture()
        defer { fixture.close() }
        fixture.server.enqueue(.anthropicText(#"{"answer":42}"#))
        let schema = JSONValue.object(["type": .string("object"), "required": .array([.string("answer")])])
        var request = ModelTestFixture.question()
        request.responseSchema = schema
        request.maxTokens = 77

        _ = try fixture.call(request, format: .anthropic).result.get()

        let body = try #require(fixture.server.requests.first?.json)
        guard case .string(let system)? = body.value(at: ["system"]) else {
            Issue.record("no system prompt")
            return
        }
        #expect(system.hasPrefix("Be brief.\n\n"))
        #expect(system.contains("JSON only"))
        #expect(system.contains(schema.canonicalText))
        #expect(body.value(at: ["max_tokens"]) == .number(77))
        #expect(body.value(at: ["response_format"]) == nil)
    }

    @Test func errorEventAfterTextFailsWithoutRetry() throws {
        let fixture = try ModelTestFixture()
        defer { fixture.close() }
        fixture.server.enqueue(.eventStream([
            "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"model\":\"claude-test\",\"usage\":{\"input_tokens\":3}}}\n\n",
            "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
            "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Par\"}}\n\n",
            "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n",
        ]), .anthropicText("never asked for"))

        let (result, events) = fixture.call(ModelTestFixture.question(stream: true), format: .anthropic)

        #expect(result.failure == .http(alias: "scripted", status: 529, message: "Overloaded"))
        #expect(events == [.text("Par")])
        #expect(fixture.server.requests.count == 1)  // events were reported: a retry would report them twice
    }

    @Test func errorEventBeforeAnyTextIsRetried() throws {
        let fixture = try ModelTestFixture()
        defer { fixture.close() }
        fixture.server.enqueue(.eventStream([
            "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n",
        ]), .anthropicText("second time lucky", streamed: true))

        let completion = try fixture.call(ModelTestFixture.question(stream: true), format: .anthropic).result.get()

        #expect(completion.text == "second time lucky")
        #expect(completion.retries == 1)
    }

    @Test func malformedEventNamesItsType() throws {
        let fixture = try ModelTestFixture()
        defer { fixture.close() }
        fixture.server.enqueue(.eventStream([
            "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"model\":\"m\"}}\n\n",
            "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"x}\n\n",
        ]))

        let (result, _) = fixture.call(ModelTestFixture.question(stream: true), format: .anthropic)

        guard case .malformed(_, let problem)? = result.failure else {
            Issue.record("expected malformed, got \(result)")
            return
        }
        #expect(problem.contains("content_block_delta event"))
    }

    @Test func streamWithoutMessageStopIsCut() throws {
        let fixture = try ModelTestFixture()
        defer { fixture.close() }
        fixture.server.enqueue(.eventStream([
            "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"model\":\"m\"}}\n\n",
            "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"x\"}}\n\n",
        ]))

        let (result, _) = fixture.call(ModelTestFixture.question(stream: true), format: .anthropic)

        guard case .streamCut(_, let problem)? = result.failure else {
            Issue.record("expected streamCut, got \(result)")
            return
        }
        #expect(problem.contains("message_stop"))
    }
}
