/// Tokens one model call used, as the provider reported them.
public struct ModelUsage: Sendable, Hashable {
    public var inputTokens: Int
    public var outputTokens: Int

    public init(inputTokens: Int = 0, outputTokens: Int = 0) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
    }

    public static func + (left: ModelUsage, right: ModelUsage) -> ModelUsage {
        ModelUsage(inputTokens: left.inputTokens + right.inputTokens, outputTokens: left.outputTokens + right.outputTokens)
    }
}

/// What a provider reports while an answer comes in, in order, on the
/// thread that called `ModelProvider.complete`. A streamed answer gives many
/// `.text` deltas; an answer that was not streamed gives its whole text as one.
public enum ModelEvent: Sendable, Hashable {
    case text(String)
    /// A tool call, complete (a stream's argument fragments already joined).
    case toolCall(ModelToolCall)
    case usage(ModelUsage)
}

/// The whole answer of one model call, once it ended.
public struct ModelCompletion: Sendable, Hashable {
    /// Why the model stopped, in the host's words.
    public enum StopReason: Sendable, Hashable {
        /// A final answer (OpenAI `stop`, Anthropic `end_turn` or `stop_sequence`).
        case stop
        /// It asked for tools (`tool_calls`, `tool_use`).
        case toolCalls
        /// It ran into the token limit (`length`, `max_tokens`).
        case length
        /// The provider's filter stopped it (`content_filter`, `refusal`).
        case contentFilter
        /// Another reason, as the provider spelled it.
        case other(String)

        public var name: String {
            switch self {
            case .stop: "stop"
            case .toolCalls: "tool_calls"
            case .length: "length"
            case .contentFilter: "content_filter"
            case .other(let text): text
            }
        }
    }

    public var text: String
    public var toolCalls: [ModelToolCall]
    public var usage: ModelUsage
    public var stopReason: StopReason
    /// The model that answered, as the provider named it (it may differ from the one asked for).
    public var providerModel: String?
    /// Attempts after the first (429, 5xx, a connection that failed).
    public var retries: Int

    public init(text: String, toolCalls: [ModelToolCall] = [], usage: ModelUsage = ModelUsage(), stopReason: StopReason = .stop,
                providerModel: String? = nil, retries: Int = 0) {
        self.text = text
        self.toolCalls = toolCalls
        self.usage = usage
        self.stopReason = stopReason
        self.providerModel = providerModel
        self.retries = retries
    }
}
