import CAgentHost
import Foundation

/// The host's `agenthost.models/1`: chat completions the host makes for the
/// plugin, with the host's keys, tool masks, guardrails, budgets and
/// approvals. The plugin never sees a key or a provider's wire format.
extension AgentRequest {
    /// Who this agent is and what it may use now (the model service's `profile`).
    public struct ModelProfile: Sendable, Decodable {
        public struct ToolInfo: Sendable, Decodable, Hashable {
            public var name: String
            /// "capability", "tool" or "handoff".
            public var kind: String
            public var description: String
        }

        public var agent: String
        public var role: String
        public var instructions: String
        public var model: String?
        public var models: [String]
        public var tools: [ToolInfo]
        public var maxTurns: Int
        /// The JSON Schema (as JSON text) of what the capability being answered returns, when it declares one.
        public var output: String?

        enum CodingKeys: String, CodingKey {
            case agent, role, instructions, model, models, tools
            case maxTurns = "max_turns"
        }
    }

    /// A message of a conversation with a model.
    public struct ChatMessage: Sendable, Hashable {
        public enum Role: String, Sendable { case system, user, assistant, tool }
        public var role: Role
        public var content: String
        public var toolCalls: [ToolCall]
        public var toolCallID: String?

        public init(_ role: Role, _ content: String, toolCalls: [ToolCall] = [], toolCallID: String? = nil) {
            self.role = role
            self.content = content
            self.toolCalls = toolCalls
            self.toolCallID = toolCallID
        }

        var json: [String: Any] {
            var object: [String: Any] = ["role": role.rawValue, "content": content]
            if !toolCalls.isEmpty { object["tool_calls"] = toolCalls.map { ["id": $0.id, "name": $0.name, "arguments": $0.arguments] } }
            if let toolCallID { object["tool_call_id"] = toolCallID }
            return object
        }
    }

    /// A tool call the model made, as the host checked it.
    public struct ToolCall: Sendable, Hashable {
        public var id: String
        /// As the profile names it: a capability, a typed tool, or `handoff:<agent id>`.
        public var name: String
        /// "capability", "tool" or "handoff".
        public var kind: String
        /// The arguments, a JSON object as text.
        public var arguments: String

        public init(id: String, name: String, kind: String, arguments: String) {
            self.id = id
            self.name = name
            self.kind = kind
            self.arguments = arguments
        }
    }

    /// What a ``complete(_:)`` call asks for.
    public struct ChatRequest: Sendable {
        public var model: String?
        public var messages: [ChatMessage]
        /// Tool names to offer; nil offers all the profile lists.
        public var tools: [String]?
        /// The answer's JSON Schema, as JSON text.
        public var responseSchema: String?
        public var maxTokens: Int?
        public var temperature: Double?
        public var stream: Bool

        public init(model: String? = nil, messages: [ChatMessage], tools: [String]? = nil, responseSchema: String? = nil,
                    maxTokens: Int? = nil, temperature: Double? = nil, stream: Bool = true) {
            self.model = model
            self.messages = messages
            self.tools = tools
            self.responseSchema = responseSchema
            self.maxTokens = maxTokens
            self.temperature = temperature
            self.stream = stream
        }
    }

    /// One model answer, whole.
    public struct ChatCompletion: Sendable {
        public var text: String
        public var toolCalls: [ToolCall]
        /// Tool calls the host refused: carry them out not; answer each with its reason.
        public var refused: [(id: String, name: String, reason: String)]
        public var inputTokens: Int
        public var outputTokens: Int
        public var cost: Double
        public var stopReason: String
        public var model: String?
        /// The host replayed an answer an earlier attempt of this step got.
        public var replayed: Bool
    }

    /// What the host reports while an answer comes in.
    public enum ChatEvent: Sendable {
        case text(String)
        case toolCall(ToolCall)
    }

    public func modelProfile() throws -> ModelProfile {
        let table = try models()
        guard let profile = table.pointee.profile else { throw AgentError.unsupported("this host's \(AH_EXTENSION_MODELS) has no profile") }
        let collector = ByteCollector()
        let status = collector.withSink { profile(host.raw, callID, $0) }
        guard status == Int32(AH_OK) else { throw AgentError(status: status, message: String(decoding: collector.bytes, as: UTF8.self)) }
        do {
            var profile = try JSONDecoder().decode(ModelProfile.self, from: Data(collector.bytes))
            let object = try JSONSerialization.jsonObject(with: Data(collector.bytes)) as? [String: Any]
            if let output = object?["output"], !(output is NSNull) {
                profile.output = String(decoding: try JSONSerialization.data(withJSONObject: output, options: [.sortedKeys]), as: UTF8.self)
            }
            return profile
        } catch {
            throw AgentError.failed("the host's profile is not what \(AH_EXTENSION_MODELS) specifies: \(error)")
        }
    }

    /// One chat completion through the host; `onEvent` sees text and tool calls as they stream in.
    public func complete(_ request: ChatRequest, onEvent: ((ChatEvent) -> Void)? = nil) throws -> ChatCompletion {
        let table = try models()
        guard let complete = table.pointee.complete else { throw AgentError.unsupported("this host's \(AH_EXTENSION_MODELS) has no complete") }
        var object: [String: Any] = ["messages": request.messages.map(\.json), "stream": request.stream]
        if let model = request.model { object["model"] = model }
        if let tools = request.tools { object["tools"] = tools }
        if let schema = request.responseSchema, let value = try? JSONSerialization.jsonObject(with: Data(schema.utf8)) { object["response_schema"] = value }
        if let maxTokens = request.maxTokens { object["max_tokens"] = maxTokens }
        if let temperature = request.temperature { object["temperature"] = temperature }
        let body = try JSONSerialization.data(withJSONObject: object)
        let reader = EventReader(onEvent: onEvent)
        let status = withStr(body) { text in reader.withSink { complete(host.raw, callID, text, $0) } }
        guard status == Int32(AH_OK) else {
            throw AgentError(status: status, message: reader.error ?? "the model call failed (status \(status))")
        }
        return reader.completion
    }

    private func models() throws -> UnsafePointer<ah_host_models> {
        guard let table = host.raw.pointee.get_extension?(host.raw, AH_EXTENSION_MODELS) else {
            throw AgentError.unsupported("the host does not offer \(AH_EXTENSION_MODELS)")
        }
        return table.assumingMemoryBound(to: ah_host_models.self)
    }
}

/// Reads the model service's event lines as they are written.
private final class EventReader {
    var completion = AgentRequest.ChatCompletion(text: "", toolCalls: [], refused: [], inputTokens: 0, outputTokens: 0, cost: 0,
                                                 stopReason: "", model: nil, replayed: false)
    var error: String?
    private var pending: [UInt8] = []
    private let onEvent: ((AgentRequest.ChatEvent) -> Void)?

    init(onEvent: ((AgentRequest.ChatEvent) -> Void)?) { self.onEvent = onEvent }

    func withSink<R>(_ body: (ah_sink) -> R) -> R {
        withExtendedLifetime(self) { body(ah_sink(context: Unmanaged.passUnretained(self).toOpaque(), write: EventReader.write)) }
    }

    private static let write: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?, Int) -> Void = { context, data, length in
        guard let context, let data, length > 0 else { return }
        let reader = Unmanaged<EventReader>.fromOpaque(context).takeUnretainedValue()
        reader.pending.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length))
        while let end = reader.pending.firstIndex(of: UInt8(ascii: "\n")) {
            let line = Array(reader.pending[..<end])
            reader.pending.removeSubrange(...end)
            reader.handle(line)
        }
    }

    private func handle(_ line: [UInt8]) {
        guard let event = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any], let type = event["type"] as? String else { return }
        switch type {
        case "text":
            let text = event["text"] as? String ?? ""
            completion.text += text
            onEvent?(.text(text))
        case "redacted": completion.text = event["text"] as? String ?? ""
        case "tool_call":
            let arguments = event["arguments"].flatMap { try? JSONSerialization.data(withJSONObject: $0) }.map { String(decoding: $0, as: UTF8.self) } ?? "{}"
            let call = AgentRequest.ToolCall(id: event["id"] as? String ?? "", name: event["name"] as? String ?? "",
                                             kind: event["kind"] as? String ?? "", arguments: arguments)
            completion.toolCalls.append(call)
            onEvent?(.toolCall(call))
        case "tool_refused":
            completion.refused.append((event["id"] as? String ?? "", event["name"] as? String ?? "", event["reason"] as? String ?? ""))
        case "usage":
            completion.inputTokens = (event["input_tokens"] as? NSNumber)?.intValue ?? 0
            completion.outputTokens = (event["output_tokens"] as? NSNumber)?.intValue ?? 0
            completion.cost = (event["cost"] as? NSNumber)?.doubleValue ?? 0
        case "end":
            completion.stopReason = event["reason"] as? String ?? ""
            completion.model = event["model"] as? String
            completion.replayed = event["replayed"] as? Bool ?? false
        case "error": error = event["message"] as? String
        default: break
        }
    }
}
