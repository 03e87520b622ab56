import AgentJSON
import CAgentHost
import Synchronization

/// The host's `agenthost.models/1`: chat completions the host makes for the
/// plugin, with the host's keys, tool masks, guardrails, budgets and
/// approvals. The plugin never sees a key or a provider's wire format.
extension AgentRequest {
    /// Who this agent is and what it may use now (the model service's `profile`).
    public struct ModelProfile: Sendable {
        public struct ToolInfo: Sendable, Hashable {
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

        /// Reads the profile as agenthost.h specifies it; nil names the field that is not as specified.
        init(reading bytes: [UInt8]) throws(ProfileProblem) {
            let value: JSONValue
            do throws(JSONValueError) {
                value = try JSONValue(parsing: bytes)
            } catch {
                throw ProfileProblem(field: "the profile", problem: error.problem)
            }
            func text(_ key: String) throws(ProfileProblem) -> String {
                guard case .string(let text)? = value[key] else { throw ProfileProblem(field: key, problem: "is not a string") }
                return text
            }
            agent = try text("agent")
            role = try text("role")
            instructions = try text("instructions")
            switch value["model"] {
            case .string(let alias)?: model = alias
            case .null?, nil: model = nil
            default: throw ProfileProblem(field: "model", problem: "is not a string or null")
            }
            guard case .array(let aliases)? = value["models"] else { throw ProfileProblem(field: "models", problem: "is not an array") }
            models = aliases.compactMap { if case .string(let alias) = $0 { alias } else { nil } }
            guard case .array(let list)? = value["tools"] else { throw ProfileProblem(field: "tools", problem: "is not an array") }
            tools = []
            for item in list {
                guard case .string(let name)? = item["name"], case .string(let kind)? = item["kind"] else {
                    throw ProfileProblem(field: "tools", problem: "has a tool without a name and a kind")
                }
                tools.append(ToolInfo(name: name, kind: kind, description: item["description"]?.text ?? ""))
            }
            guard case .number(let turns)? = value["max_turns"], let whole = Int(exactly: turns) else {
                throw ProfileProblem(field: "max_turns", problem: "is not a whole number")
            }
            maxTurns = whole
            switch value["output"] {
            case nil, .null?: output = nil
            case let schema?: output = schema.canonicalText
            }
        }
    }

    struct ProfileProblem: Error {
        var field: String
        var problem: String
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

        func write(to json: inout JSONWriter) {
            json.beginObject()
            json.key("role")
            json.string(role.rawValue)
            json.key("content")
            json.string(content)
            if !toolCalls.isEmpty {
                json.key("tool_calls")
                json.beginArray()
                for call in toolCalls {
                    json.beginObject()
                    json.key("id")
                    json.string(call.id)
                    json.key("name")
                    json.string(call.name)
                    json.key("arguments")
                    json.string(call.arguments)
                    json.endObject()
                }
                json.endArray()
            }
            if let toolCallID {
                json.key("tool_call_id")
                json.string(toolCallID)
            }
            json.endObject()
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

        /// The request as agenthost.h has `complete` take it.
        func json() throws -> [UInt8] {
            var json = JSONWriter(capacity: messages.reduce(128) { $0 + $1.content.utf8.count + 48 })
            json.beginObject()
            if let model {
                json.key("model")
                json.string(model)
            }
            json.key("messages")
            json.beginArray()
            for message in messages { message.write(to: &json) }
            json.endArray()
            if let tools {
                json.key("tools")
                json.beginArray()
                for name in tools { json.string(name) }
                json.endArray()
            }
            if let responseSchema {
                guard JSONValue.isJSON(Array(responseSchema.utf8)) else {
                    throw AgentError.invalidArgument("the response schema is not JSON: \(responseSchema.prefix(80))")
                }
                json.key("response_schema")
                json.raw(responseSchema.utf8)
            }
            if let maxTokens {
                json.key("max_tokens")
                json.int(maxTokens)
            }
            if let temperature {
                json.key("temperature")
                json.double(temperature)
            }
            json.key("stream")
            json.bool(stream)
            json.endObject()
            return json.bytes
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
        // An agent asks for its profile on every task, and it is the same bytes until its state or its capability changes.
        if let known = Self.lastProfile.withLock({ last in last.flatMap { $0.bytes == collector.bytes ? $0.profile : nil } }) { return known }
        do throws(ProfileProblem) {
            let read = try ModelProfile(reading: collector.bytes)
            Self.lastProfile.withLock { $0 = (collector.bytes, read) }
            return read
        } catch {
            throw AgentError.failed("the host's profile is not what \(AH_EXTENSION_MODELS) specifies: \(error.field) \(error.problem)")
        }
    }

    /// The profile read last, with the bytes it was read from.
    private static let lastProfile = Mutex<(bytes: [UInt8], profile: ModelProfile)?>(nil)

    /// One chat completion through the host; `onEvent` sees text and tool calls as they stream in.
    public func complete(_ request: ChatRequest, onEvent: ((ChatEvent) -> Void)? = nil) throws -> ChatCompletion {
        let table = try models()
        guard let complete = table.pointee.complete else { throw AgentError.unsupported("this host's \(AH_EXTENSION_MODELS) has no complete") }
        let body = try request.json()
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
        guard let event = try? JSONValue(parsing: line), case .string(let type)? = event["type"] else { return }
        func text(_ key: String) -> String {
            if case .string(let text)? = event[key] { return text }
            return ""
        }
        func whole(_ key: String) -> Int {
            if case .number(let number)? = event[key], let value = Int(exactly: number.rounded()) { return value }
            return 0
        }
        switch type {
        case "text":
            let delta = text("text")
            completion.text += delta
            onEvent?(.text(delta))
        case "redacted": completion.text = text("text")
        case "tool_call":
            let call = AgentRequest.ToolCall(id: text("id"), name: text("name"), kind: text("kind"),
                                             arguments: event["arguments"]?.canonicalText ?? "{}")
            completion.toolCalls.append(call)
            onEvent?(.toolCall(call))
        case "tool_refused":
            completion.refused.append((text("id"), text("name"), text("reason")))
        case "usage":
            completion.inputTokens = whole("input_tokens")
            completion.outputTokens = whole("output_tokens")
            if case .number(let cost)? = event["cost"] { completion.cost = cost }
        case "end":
            completion.stopReason = text("reason")
            if case .string(let model)? = event["model"] { completion.model = model }
            completion.replayed = event["replayed"] == .bool(true)
        case "error": error = text("message")
        default: break
        }
    }
}
