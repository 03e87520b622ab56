import Foundation

/// One model the operator configured in the policy's `models:` section: the
/// alias plugins and role files name, and where and how the host reaches it.
/// The key itself is never kept here, only the environment variable that
/// holds it, so a policy can be shown, logged and stored.
public struct ModelEndpoint: Sendable, Hashable {
    /// The wire format the provider speaks.
    public enum Provider: String, Sendable, Hashable, CaseIterable {
        /// OpenAI's Chat Completions (`POST {base}/chat/completions`): OpenAI,
        /// vLLM, llama.cpp's server, Ollama, LM Studio and most gateways.
        case openAI = "openai"
        /// Anthropic's Messages API (`POST {base}/v1/messages`).
        case anthropic
    }

    /// Price in US dollars per million tokens.
    public struct Pricing: Sendable, Hashable {
        public var input: Double
        public var output: Double

        public init(input: Double = 0, output: Double = 0) {
            self.input = input
            self.output = output
        }

        /// What `usage` cost at these prices.
        public func cost(of usage: ModelUsage) -> Double {
            (Double(usage.inputTokens) * input + Double(usage.outputTokens) * output) / 1_000_000
        }
    }

    public var alias: String
    public var provider: Provider
    /// For OpenAI-compatible servers the path up to `/chat/completions`
    /// (`https://api.openai.com/v1`, `http://127.0.0.1:8080/v1`); for
    /// Anthropic the origin (`https://api.anthropic.com`).
    public var baseURL: URL
    /// The provider's own name of the model (`gpt-4o-mini`, `claude-sonnet-4-5`, `qwen2.5:7b`).
    public var model: String
    /// The environment variable holding the API key; nil for servers that need none (a local llama.cpp or Ollama).
    public var keyVariable: String?
    public var pricing: Pricing
    /// How long one attempt may take, from sending the request to the last byte of the answer.
    public var timeout: Duration
    /// How many times a 429 or 5xx answer, or a connection that failed before any byte came back, is tried again.
    public var maxRetries: Int
    /// The completion's token limit when the request names none (Anthropic requires one).
    public var defaultMaxTokens: Int

    public init(alias: String, provider: Provider, baseURL: URL, model: String, keyVariable: String? = nil,
                pricing: Pricing = Pricing(), timeout: Duration = .seconds(120), maxRetries: Int = 3, defaultMaxTokens: Int = 4096) {
        self.alias = alias
        self.provider = provider
        self.baseURL = baseURL
        self.model = model
        self.keyVariable = keyVariable
        self.pricing = pricing
        self.timeout = timeout
        self.maxRetries = maxRetries
        self.defaultMaxTokens = defaultMaxTokens
    }
}
