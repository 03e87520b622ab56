import AgentHostCore
import Foundation

/// Reads a Messages stream: `message_start` (the model, input tokens),
/// then per content block `content_block_start` (a tool_use block's id and
/// name), `content_block_delta`s (`text_delta` text, reported at once;
/// `input_json_delta` pieces of a tool's input) and `content_block_stop`
/// (a tool call is reported whole there), then `message_delta` (stop reason,
/// output tokens) and `message_stop`, which ends it. `ping` is ignored;
/// `error` fails the call with the provider's message. Event types the
/// host does not know are skipped, as Anthropic's versioning policy asks.
struct AnthropicMessagesStreamDecoder: ModelStreamDecoding {
    private struct PartialCall {
        var index: Int
        var id: String
        var name: String
        var input: String
    }

    private var text = ""
    private var openCalls: [PartialCall] = []
    private var calls: [ModelToolCall] = []
    private var stopReason: String?
    private var usage = ModelUsage()
    private var model: String?
    private var sawStop = false
    private var events = 0

    init() {}

    mutating func take(_ event: ServerSentEvent, emit: (ModelEvent) -> Void) throws(ModelWireProblem) -> Bool {
        events += 1
        switch event.type {
        case "ping":
            return false
        case "message_stop":
            sawStop = true
            return true
        default:
            break
        }
        let data = try AnthropicMessagesFormat.decode(AnthropicMessagesFormat.StreamEvent.self, from: Array(event.data.utf8),
                                                      what: "the \(event.type) event")
        // The `event:` line and the data's `type` name the same thing; a stream without `event:` lines still reads.
        let type = event.type == "message" ? data.type ?? "message" : event.type
        switch type {
        case "message_start":
            if let message = data.message {
                model = message.model ?? model
                if let counts = message.usage {
                    usage.inputTokens = counts.inputTokens ?? usage.inputTokens
                    usage.outputTokens = counts.outputTokens ?? usage.outputTokens
                }
            }
        case "content_block_start":
            guard let block = data.contentBlock, let index = data.index else {
                throw .malformed("a content_block_start event without index or content_block: \(ModelWireProblem.excerpt(event.data))")
            }
            if block.type == "tool_use" {
                guard let id = block.id, let name = block.name else {
                    throw .malformed("a tool_use content_block_start without id or name: \(ModelWireProblem.excerpt(event.data))")
                }
                openCalls.append(PartialCall(index: index, id: id, name: name, input: ""))
            } else if let initial = block.text, !initial.isEmpty {
                text += initial
                emit(.text(initial))
            }
        case "content_block_delta":
            guard let delta = data.delta else {
                throw .malformed("a content_block_delta event without delta: \(ModelWireProblem.excerpt(event.data))")
            }
            switch delta.type {
            case "text_delta":
                if let piece = delta.text, !piece.isEmpty {
                    text += piece
                    emit(.text(piece))
                }
            case "input_json_delta":
                guard let position = openCalls.firstIndex(where: { $0.index == data.index }) else {
                    throw .malformed("an input_json_delta for block \(data.index.map(String.init) ?? "?"), which is no open tool_use block")
                }
                openCalls[position].input += delta.partialJSON ?? ""
            default:
                break  // thinking, signatures, citations
            }
        case "content_block_stop":
            if let position = openCalls.firstIndex(where: { $0.index == data.index }) {
                report(openCalls.remove(at: position), emit)
            }
        case "message_delta":
            if let reason = data.delta?.stopReason { stopReason = reason }
            if let counts = data.usage {
                usage.inputTokens = counts.inputTokens ?? usage.inputTokens
                usage.outputTokens = counts.outputTokens ?? usage.outputTokens
            }
        case "error":
            let status = AnthropicMessagesFormat.status(ofErrorType: data.error?.type)
            throw .providerError(status: status, message: data.error?.message ?? data.error?.type ?? "an error event")
        default:
            break
        }
        return false
    }

    private mutating func report(_ call: PartialCall, _ emit: (ModelEvent) -> Void) {
        // A tool without parameters streams no input at all: its input is the empty object.
        let toolCall = ModelToolCall(id: call.id, name: call.name, arguments: call.input.isEmpty ? "{}" : call.input)
        calls.append(toolCall)
        emit(.toolCall(toolCall))
    }

    var mayEnd: Bool { sawStop }

    var missing: String { "no message_stop after \(events) events" }

    mutating func finish(emit: (ModelEvent) -> Void) -> ModelCompletion {
        for call in openCalls { report(call, emit) }
        openCalls.removeAll()
        emit(.usage(usage))
        return ModelCompletion(text: text, toolCalls: calls, usage: usage, stopReason: AnthropicMessagesFormat.stopReason(stopReason),
                               providerModel: model)
    }
}
