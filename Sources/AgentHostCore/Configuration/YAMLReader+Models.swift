import Foundation
import Yams

/// The model, budget and approval sections, as the policy, workflows and role files spell them.
extension YAMLReader {
    static let modelKeys = ["provider", "base_url", "model", "key_env", "price", "timeout_s", "max_retries", "max_tokens"]

    func modelEndpoint(_ node: Node, alias: String) throws(YAMLProblem) -> ModelEndpoint {
        let name = "models.\(alias)"
        var provider: ModelEndpoint.Provider?, base: URL?, model: String?, key: String?
        var pricing = ModelEndpoint.Pricing(), timeout = Duration.seconds(120), retries = 3, maxTokens = 4096
        for (field, _, item) in try mapping(node, name, keys: Self.modelKeys) {
            switch field {
            case "provider":
                let text = try string(item, "\(name).provider")
                guard let value = ModelEndpoint.Provider(rawValue: text) else {
                    throw fail(item, "\(name).provider must be openai (any OpenAI-compatible Chat Completions server) or anthropic, not '\(text)'")
                }
                provider = value
            case "base_url":
                let text = try string(item, "\(name).base_url")
                guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host != nil else {
                    throw fail(item, "\(name).base_url must be an http or https URL (e.g. https://api.openai.com/v1), not '\(text)'")
                }
                base = URL(string: text.hasSuffix("/") ? String(text.dropLast()) : text)
            case "model": model = try string(item, "\(name).model")
            case "key_env":
                let text = try string(item, "\(name).key_env")
                guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }), !(text.first!.isNumber) else {
                    throw fail(item, "\(name).key_env names an environment variable (e.g. OPENAI_API_KEY), not the key itself")
                }
                key = text
            case "price":
                for (kind, _, price) in try mapping(item, "\(name).price", keys: ["input", "output"]) {
                    let value = try number(price, "\(name).price.\(kind)")
                    guard value >= 0, value <= 1_000_000 else { throw fail(price, "\(name).price.\(kind) must be from 0 to 1000000 (US$ per million tokens)") }
                    if kind == "input" { pricing.input = value } else { pricing.output = value }
                }
            case "timeout_s":
                let value = try number(item, "\(name).timeout_s")
                guard value > 0, value <= 86_400 else { throw fail(item, "\(name).timeout_s must be more than 0 and at most 86400") }
                timeout = .milliseconds(Int64((value * 1000).rounded()))
            case "max_retries": retries = try integer(item, "\(name).max_retries", minimum: 0, maximum: 20)
            default: maxTokens = try integer(item, "\(name).max_tokens", minimum: 1, maximum: 10_000_000)
            }
        }
        guard let provider else { throw fail(node, "\(name) needs provider: openai or anthropic") }
        guard let model else { throw fail(node, "\(name) needs model: the provider's name of the model (e.g. gpt-4o-mini)") }
        let standard = provider == .anthropic ? "https://api.anthropic.com" : "https://api.openai.com/v1"
        return ModelEndpoint(alias: alias, provider: provider, baseURL: base ?? URL(string: standard)!, model: model, keyVariable: key,
                             pricing: pricing, timeout: timeout, maxRetries: retries, defaultMaxTokens: maxTokens)
    }

    func budget(_ node: Node, _ name: String) throws(YAMLProblem) -> Budget {
        var budget = Budget()
        for (field, _, item) in try mapping(node, name, keys: Budget.keys) {
            switch field {
            case "tokens": budget.tokens = try integer(item, "\(name).tokens", minimum: 1)
            case "cost":
                let value = try number(item, "\(name).cost")
                guard value > 0, value <= 1_000_000 else { throw fail(item, "\(name).cost must be more than 0 (US$) and at most 1000000") }
                budget.cost = value
            case "model_calls": budget.modelCalls = try integer(item, "\(name).model_calls", minimum: 1)
            case "tool_calls": budget.toolCalls = try integer(item, "\(name).tool_calls", minimum: 0)
            case "turns": budget.turns = try integer(item, "\(name).turns", minimum: 1)
            default:
                let value = try number(item, "\(name).wall_seconds")
                guard value > 0, value <= 31_536_000 else { throw fail(item, "\(name).wall_seconds must be more than 0 and at most a year") }
                budget.wallSeconds = value
            }
        }
        return budget
    }

    func budgetPolicy(_ node: Node) throws(YAMLProblem) -> BudgetPolicy {
        var policy = BudgetPolicy()
        for (field, _, item) in try mapping(node, "budgets", keys: ["run", "task", "agents", "loop_guard"]) {
            switch field {
            case "run": policy.run = try budget(item, "budgets.run")
            case "task": policy.task = try budget(item, "budgets.task")
            case "loop_guard": policy.loopGuard = try integer(item, "budgets.loop_guard", minimum: 0, maximum: 1000)
            default:
                for (agent, key, section) in try mapping(item, "budgets.agents", keys: []) {
                    guard PluginManifest.isIdentifier(agent) else { throw fail(key, "'\(agent)' is not an agent id (e.g. team.developer)") }
                    policy.agents[agent] = try budget(section, "budgets.agents.\(agent)")
                }
            }
        }
        return policy
    }

    func approvals(_ node: Node) throws(YAMLProblem) -> ApprovalRules {
        var rules = ApprovalRules()
        for (field, _, item) in try mapping(node, "approvals", keys: ["tools", "capabilities", "models"]) {
            let names = Set(try strings(item, "approvals.\(field)"))
            switch field {
            case "tools": rules.tools = names
            case "capabilities": rules.capabilities = names
            default: rules.models = names
            }
        }
        return rules
    }
}

extension ModelEndpoint {
    /// Letters, digits, `.`, `_` and `-`, up to 64: safe in a URL, a log line and a YAML key.
    public static func isAlias(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 64 && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
    }
}
