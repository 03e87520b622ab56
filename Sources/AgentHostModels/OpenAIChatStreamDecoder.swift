import AgentHostCore
import Foundation

/// Reads a Chat Completions stream: each `data:` chunk's `delta.content` is
/// a text event at once; `delta.tool_calls` come in fragments keyed by
/// `index` (id and name in the first, the arguments cut anywhere across the
/// rest), reported whole once `finish_reason` says the model is done; the
/// last chunk has `usage` and no choices; `data: [DONE]` ends the stream.
struct OpenAIChatStreamDecoder: ModelStreamDecoding {
    private struct PartialCall {
        var index: Int
        var id: String
        var name: String
        var arguments: String
    }

    private var text = ""
    private var calls: [PartialCall] = []
    private var callsReported = false
    private var finishReason: String?
    private var usage: ModelUsage?
    private var model: String?
    private var sawDone = false
    private var chunks = 0

    init() {}

    mutating func take(_ event: ServerSentEvent, emit: (ModelEvent) -> Void) throws(ModelWireProblem) -> Bool {
        if event.data == "[DONE]" {
            sawDone = true
            return true
        }
        chunks += 1
        let chunk = try OpenAIChatFormat.decode(OpenAIChatFormat.Chunk.self, from: Array(event.data.utf8), what: "stream chunk \(chunks)")
        if let error = chunk.error {
            throw .providerError(status: 500, message: error.message ?? error.type ?? "an error in the stream")
        }
        if let name = chunk.model { model = name }
        if let counts = chunk.usage { usage = counts.modelUsage }
        // A request asks for one choice; a server that sends more is read for the first.
        guard let choice = chunk.choices?.first else { return false }
        if let delta = choice.delta {
            if let content = delta.content, !content.isEmpty {
                text += content
                emit(.text(content))
            }
            for fragment in delta.toolCalls ?? [] { take(fragment) }
        }
        if let reason = choice.finishReason {
            finishReason = reason
            reportCalls(emit)
        }
        return false
    }

    private mutating func take(_ fragment: OpenAIChatFormat.ToolCall) {
        // A server that leaves `index` out numbers calls by their ids: a new id is a new call.
        let index = fragment.index ?? (fragment.id == nil ? max(calls.count - 1, 0) : calls.count)
        guard let position = calls.firstIndex(where: { $0.index == index }) else {
            calls.append(PartialCall(index: index, id: fragment.id ?? "", name: fragment.function?.name ?? "",
                                     arguments: fragment.function?.arguments ?? ""))
            return
        }
        // Some servers repeat the id and name in every fragment; only the arguments are cut up.
        if calls[position].id.isEmpty, let id = fragment.id { calls[position].id = id }
        if calls[position].name.isEmpty, let name = fragment.function?.name { calls[position].name = name }
        if let arguments = fragment.function?.arguments { calls[position].arguments += arguments }
    }

    private mutating func reportCalls(_ emit: (ModelEvent) -> Void) {
        guard !callsReported else { return }
        callsReported = true
        calls.sort { $0.index < $1.index }
        for call in calls { emit(.toolCall(toolCall(call))) }
    }

    private func toolCall(_ call: PartialCall) -> ModelToolCall {
        ModelToolCall(id: call.id.isEmpty ? "call_\(call.index)" : call.id, name: call.name, arguments: call.arguments)
    }

    /// `[DONE]`, or a `finish_reason` (some servers end the stream with that alone).
    var mayEnd: Bool { sawDone || finishReason != nil }

    var missing: String { "no finish_reason and no data: [DONE] after \(chunks) chunks" }

    mutating func finish(emit: (ModelEvent) -> Void) -> ModelCompletion {
        reportCalls(emit)
        if let usage { emit(.usage(usage)) }
        let toolCalls = calls.map(toolCall)
        return ModelCompletion(text: text, toolCalls: toolCalls, usage: usage ?? ModelUsage(),
                               stopReason: OpenAIChatFormat.stopReason(finishReason, hasToolCalls: !toolCalls.isEmpty), providerModel: model)
    }
}
