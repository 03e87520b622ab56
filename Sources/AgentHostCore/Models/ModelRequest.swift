/// A chat completion as the host sends it to a provider, in the host's own
/// terms: the provider's wire format is the provider's concern. By the time
/// a request is a `ModelRequest` the host has checked it: the model is one
/// the plugin may use, the tools are exactly those allowed in the agent's
/// state, and the guardrails have run on the messages.
public struct ModelRequest: Sendable, Hashable {
    public var messages: [ModelMessage]
    public var tools: [ModelToolDefinition]
    /// A JSON Schema the answer must follow (OpenAI's `response_format`
    /// json_schema; for Anthropic, said in the system prompt).
    public var responseSchema: JSONValue?
    public var maxTokens: Int?
    public var temperature: Double?
    /// Ask for a stream of server-sent events instead of one JSON answer.
    public var stream: Bool
    /// The W3C trace context of the model call's span, sent as the `traceparent`
    /// (and `tracestate`) headers; not part of what the request is.
    public var traceparent: String?
    public var tracestate: String?

    public init(messages: [ModelMessage], tools: [ModelToolDefinition] = [], responseSchema: JSONValue? = nil,
                maxTokens: Int? = nil, temperature: Double? = nil, stream: Bool = false) {
        self.messages = messages
        self.tools = tools
        self.responseSchema = responseSchema
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.stream = stream
    }
}

/// One message of a conversation with a model.
public struct ModelMessage: Sendable, Hashable {
    public enum Role: String, Sendable, Hashable, CaseIterable {
        case system, user, assistant, tool
    }

    public var role: Role
    public var content: String
    /// The tools an assistant message asked for.
    public var toolCalls: [ModelToolCall]
    /// For a `tool` message: the call it answers.
    public var toolCallID: String?

    public init(role: Role, content: String, toolCalls: [ModelToolCall] = [], toolCallID: String? = nil) {
        self.role = role
        self.content = content
        self.toolCalls = toolCalls
        self.toolCallID = toolCallID
    }
}

/// A tool as the model is shown it. `name` is already in the form every
/// provider accepts (letters, digits, `_` and `-`, at most 64 characters).
public struct ModelToolDefinition: Sendable, Hashable {
    public var name: String
    public var description: String
    /// The JSON Schema of the arguments object.
    public var parameters: JSONValue {
        didSet { parametersJSON = parameters.canonicalBytes }
    }
    /// `parameters` as compact JSON, written once: a request offers the same tools call after call.
    public private(set) var parametersJSON: [UInt8]

    public init(name: String, description: String, parameters: JSONValue) {
        self.name = name
        self.description = description
        self.parameters = parameters
        parametersJSON = parameters.canonicalBytes
    }
}

/// A tool call the model made: `arguments` is the JSON text it wrote, which
/// may be anything (the host checks it before use).
public struct ModelToolCall: Sendable, Hashable {
    public var id: String
    public var name: String
    public var arguments: String

    public init(id: String, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}
