import AgentJSON
import AgentPluginKit
import Foundation

/// The Assistant: an agent that thinks with a language model. It runs the
/// model loop (instructions and the task, then the model, then the tools the
/// model asks for, through the host, until a final answer or the turn
/// limit) on the host's model service, so the host holds the keys, offers
/// only the tools allowed now and counts every token. Role agents (YAML
/// files) are this code with their own instructions, tools and model.
struct AssistantAgent: AgentPlugin {
    static let descriptor = AgentDescriptor(id: "agenthost.assistant", name: "Assistant", version: "0.1.0",
                                            capabilities: ["assistant.ask"], threadSafe: true)

    static let defaultInstructions = """
        You are a capable assistant working inside AgentHost. Use the tools you are offered when they help; \
        answer plainly and completely when you are done.
        """

    /// What a tool's answer may add to the conversation; the rest is cut, and the model told so.
    static let maxToolResultBytes = 32 * 1024

    init(host: PluginHost) {}

    func handle(_ request: AgentRequest) throws -> AgentReply {
        let profile = try request.modelProfile()
        var system = profile.instructions.isEmpty ? Self.defaultInstructions : profile.instructions
        if !profile.role.isEmpty, profile.role != "Assistant" { system = "You are the \(profile.role).\n\n" + system }
        let schema = profile.output.flatMap(Self.answerSchema)
        var messages: [AgentRequest.ChatMessage] = [.init(.system, system), .init(.user, Self.task(of: request))]
        for turn in 1...max(1, profile.maxTurns) {
            if request.isCancelled { throw AgentError.cancelled("cancelled before model call \(turn)") }
            let answer = try request.complete(AgentRequest.ChatRequest(messages: messages, responseSchema: schema, stream: true))
            if answer.toolCalls.isEmpty && answer.refused.isEmpty { return try reply(answer.text, schema: schema) }
            messages.append(.init(.assistant, answer.text, toolCalls: answer.toolCalls + answer.refused.map {
                AgentRequest.ToolCall(id: $0.id, name: $0.name, kind: "refused", arguments: "{}")
            }))
            for refused in answer.refused {
                messages.append(.init(.tool, refused.reason, toolCallID: refused.id))
            }
            for call in answer.toolCalls {
                if call.kind == "handoff" {
                    let target = String(call.name.dropFirst("handoff:".count))
                    let arguments = try? JSONValue(parsing: Array(call.arguments.utf8))
                    let reason = arguments?["reason"].flatMap { if case .string(let text) = $0 { text } else { nil } } ?? "the model handed the task on"
                    let context = arguments?["context"].flatMap { if case .object = $0 { $0.canonicalBytes } else { nil } } ?? Array("{}".utf8)
                    try request.requestHandoff(to: target, reason: reason, context: context)
                    return Self.textReply(answer.text.isEmpty ? "handed off to \(target): \(reason)" : answer.text, handoff: target)
                }
                messages.append(.init(.tool, result(of: call, request: request), toolCallID: call.id))
            }
        }
        throw AgentError.failed("no final answer within \(profile.maxTurns) model calls (max_turns); raise it in the role file or ask for less")
    }

    /// What a tool call brought back, in words the model reads; a refusal or failure is an answer too.
    private func result(of call: AgentRequest.ToolCall, request: AgentRequest) -> String {
        let text: String
        switch call.kind {
        case "capability":
            do {
                text = String(decoding: try request.delegate(call.name, payload: Array(call.arguments.utf8)), as: UTF8.self)
            } catch {
                text = "error: \(error)"
            }
        default:
            text = "error: '\(call.name)' is a \(call.kind), which the Assistant cannot call"
        }
        guard text.utf8.count > Self.maxToolResultBytes else { return text }
        return String(decoding: text.utf8.prefix(Self.maxToolResultBytes), as: UTF8.self) + "\n[cut at \(Self.maxToolResultBytes) bytes]"
    }

    /// The final reply: DELEGATE blocks as text (the host carries them out),
    /// JSON when the capability declares structured output, else {"text"}.
    private func reply(_ text: String, schema: String?) throws -> AgentReply {
        if text.contains("ACTION: DELEGATE") { return AgentReply(body: Array(text.utf8)) }
        guard schema != nil else { return Self.textReply(text) }
        let answer = Self.unfenced(text)
        let bytes = Array(answer.utf8)
        guard case .object? = try? JSONValue(parsing: bytes) else {
            throw AgentError.failed("the model's answer is not the JSON object the capability's output declares: \(answer.prefix(200))")
        }
        return AgentReply(body: bytes)
    }

    /// `{"text": text}`, and the agent handed to when there is one.
    static func textReply(_ text: String, handoff: String? = nil) -> AgentReply {
        var json = JSONWriter(capacity: text.utf8.count + 32)
        json.beginObject()
        json.key("text")
        json.string(text)
        if let handoff {
            json.key("handoff")
            json.string(handoff)
        }
        json.endObject()
        return AgentReply(body: json.bytes)
    }

    /// The output schema to ask the model for, or nil when the output is only {"text"}.
    static func answerSchema(_ output: String) -> String? {
        guard let schema = try? JSONValue(parsing: Array(output.utf8)), case .object = schema else { return nil }
        if case .object(let properties)? = schema["properties"], Set(properties.keys).isSubset(of: ["text"]) { return nil }
        return output
    }

    /// The task in words: the capability's text field when there is one, else the payload itself.
    static func task(of request: AgentRequest) -> String {
        guard case .object(let fields)? = try? JSONValue(parsing: request.payload), fields.count == 1,
              case .string(let only)? = fields.values.first else { return "The task, as JSON:\n" + request.text }
        return only
    }

    /// A JSON answer without the Markdown fence some models put around it.
    static func unfenced(_ text: String) -> String {
        var body = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard body.hasPrefix("```") else { return body }
        body = String(body.drop(while: { $0 != "\n" }).dropFirst())
        if body.hasSuffix("```") { body = String(body.dropLast(3)) }
        return body.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

@_cdecl("agenthost_swift_plugin")
public func agenthostSwiftPlugin() -> UnsafeRawPointer { AgentPluginExport.functions(for: AssistantAgent.self) }
