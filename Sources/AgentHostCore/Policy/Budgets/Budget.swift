/// Hard limits on what an agent's work may use. Each limit is optional; a
/// budget with none set never trips. Set per run, per task and per agent in
/// the policy (`budgets:`), per run in a workflow (`budget:`), and per agent
/// in a role file (`budget:`).
public struct Budget: Sendable, Hashable, Codable {
    /// Tokens in and out, together.
    public var tokens: Int?
    /// US dollars, at the prices of `models:`.
    public var cost: Double?
    public var modelCalls: Int?
    public var toolCalls: Int?
    /// Agent calls: every time an agent is called counts one turn.
    public var turns: Int?
    public var wallSeconds: Double?

    public init(tokens: Int? = nil, cost: Double? = nil, modelCalls: Int? = nil, toolCalls: Int? = nil, turns: Int? = nil,
                wallSeconds: Double? = nil) {
        self.tokens = tokens
        self.cost = cost
        self.modelCalls = modelCalls
        self.toolCalls = toolCalls
        self.turns = turns
        self.wallSeconds = wallSeconds
    }

    public static let unlimited = Budget()

    enum CodingKeys: String, CodingKey {
        case tokens, cost, turns
        case modelCalls = "model_calls"
        case toolCalls = "tool_calls"
        case wallSeconds = "wall_seconds"
    }

    public var isUnlimited: Bool { self == .unlimited }

    /// This budget with every limit `other` sets laid over it.
    public func overlaid(with other: Budget?) -> Budget {
        guard let other else { return self }
        return Budget(tokens: other.tokens ?? tokens, cost: other.cost ?? cost, modelCalls: other.modelCalls ?? modelCalls,
               toolCalls: other.toolCalls ?? toolCalls, turns: other.turns ?? turns, wallSeconds: other.wallSeconds ?? wallSeconds)
    }

    /// The keys of a `budget:` section, as the YAML files spell them.
    public static let keys = ["tokens", "cost", "model_calls", "tool_calls", "turns", "wall_seconds"]

    /// The first limit `usage` has reached, as (key, limit, used): a model
    /// call is refused once a limit is reached, not only once it is passed.
    func reached(by usage: BudgetUsage, elapsedSeconds: Double) -> (key: String, limit: String, used: String)? {
        if let tokens, usage.tokens >= tokens { return ("tokens", "\(tokens)", "\(usage.tokens)") }
        if let cost, usage.cost >= cost { return ("cost", Self.dollars(cost), Self.dollars(usage.cost)) }
        if let modelCalls, usage.modelCalls >= modelCalls { return ("model_calls", "\(modelCalls)", "\(usage.modelCalls)") }
        if let toolCalls, usage.toolCalls > toolCalls { return ("tool_calls", "\(toolCalls)", "\(usage.toolCalls)") }
        if let turns, usage.turns > turns { return ("turns", "\(turns)", "\(usage.turns)") }
        if let wallSeconds, elapsedSeconds >= wallSeconds {
            return ("wall_seconds", "\(wallSeconds) s", "\((elapsedSeconds * 10).rounded() / 10) s")
        }
        return nil
    }

    static func dollars(_ value: Double) -> String {
        let cents = (value * 1_000_000).rounded() / 1_000_000
        return "$\(cents)"
    }
}

/// What work has used so far, against a `Budget`.
public struct BudgetUsage: Sendable, Hashable {
    public var inputTokens = 0
    public var outputTokens = 0
    public var cost = 0.0
    public var modelCalls = 0
    public var toolCalls = 0
    public var turns = 0

    public init() {}

    public var tokens: Int { inputTokens + outputTokens }

    mutating func add(modelCall usage: ModelUsage, cost: Double) {
        inputTokens += usage.inputTokens
        outputTokens += usage.outputTokens
        self.cost += cost
        modelCalls += 1
    }
}
