import Foundation
import Yams

/// Reads a policy file (YAML). Every key is checked: a misspelled key, a
/// value of the wrong kind or a pattern that does not compile is refused with
/// its line, so a policy never silently means less than it says.
///
///     global:
///       input:   { max_bytes: 1048576, secrets: trip, pii: redact, deny: ["(?i)drop table"] }
///       output:  { max_bytes: 8388608, secrets: redact, validate_output: true }
///       tools:   { max_bytes: 65536, secrets: trip }
///       network: ["127.0.0.1", "*.example.org"]
///       paths:   ["~/projects", "/tmp"]
///     workspace: ~/projects/app      # $WORKSPACE in manifests; relative to the policy file
///     handoffs:
///       max_depth: 4
///     orchestration:
///       max_steps: 200
///       max_agents: 8
///       max_concurrency: 16
///       per_agent_concurrency: 4
///     routing:                        # weigh what the store recorded (RoutingPolicy)
///       learn: true
///       min_tasks: 5
///     agents:
///       agenthost.knowledge:
///         output: { pii: redact }
///     models:                         # what plugins call through the model service
///       default: { provider: openai, base_url: "https://api.openai.com/v1", model: gpt-4o-mini,
///                  key_env: OPENAI_API_KEY, price: { input: 0.15, output: 0.6 }, timeout_s: 60 }
///     budgets:                        # hard limits; see Budget
///       run: { cost: 1.00, model_calls: 200 }
///       task: { tokens: 100000 }
///       agents: { team.developer: { tool_calls: 20 } }
///       loop_guard: 3
///     approvals:                      # a person decides first: agenthost approvals
///       tools: [agenthost.code/apply_patch]
///       capabilities: [code.apply]
///       models: [smart]
///     plugins:                        # see PluginPolicy
///       acme.search: { trusted: true }
///       other.tool: { isolation: process, memory_mb: 256, take_over: [knowledge.search] }
public enum PolicyFile {
    /// `~/.agenthost/policy.yaml` (or under `$AGENTHOST_HOME`), used when it exists.
    public static func defaultPath() -> String {
        URL(fileURLWithPath: TaskStore.defaultPath()).deletingLastPathComponent().appendingPathComponent("policy.yaml").path
    }

    public static func load(path: String) throws(PolicyFileError) -> Policy {
        let text: String
        do throws(YAMLProblem) {
            text = try YAMLReader.text(ofFile: path, kind: "a policy file (YAML)")
        } catch {
            throw PolicyFileError(path: path, line: error.line, problem: error.problem)
        }
        return try parse(text, path: path)
    }

    public static func parse(_ text: String, path: String) throws(PolicyFileError) -> Policy {
        do throws(YAMLProblem) {
            guard let root = try YAMLReader.compose(text) else { return Policy(source: path) }
            return try Reader(path: path).policy(root)
        } catch {
            throw PolicyFileError(path: path, line: error.line, problem: error.problem)
        }
    }

    /// Walks the document; every problem carries its line.
    struct Reader {
        let path: String
        let yaml = YAMLReader()

        func fail(_ node: Node, _ problem: String) -> YAMLProblem { yaml.fail(node, problem) }
        func mapping(_ node: Node, _ name: String, keys: [String]) throws(YAMLProblem) -> [(String, Node, Node)] {
            try yaml.mapping(node, name, keys: keys)
        }
        func strings(_ node: Node, _ name: String) throws(YAMLProblem) -> [String] { try yaml.strings(node, name) }
        func integer(_ node: Node, _ name: String, minimum: Int) throws(YAMLProblem) -> Int { try yaml.integer(node, name, minimum: minimum) }

        func policy(_ root: Node) throws(YAMLProblem) -> Policy {
            var policy = Policy(source: path)
            var agentNodes: [(String, Node, Node)] = []
            for (key, _, value) in try mapping(root, "the policy", keys: ["global", "agents", "handoffs", "orchestration", "workspace",
                                                                          "plugins", "routing", "models", "budgets", "approvals", "telemetry"]) {
                switch key {
                case "plugins":
                    for (plugin, pluginKey, section) in try mapping(value, "plugins", keys: []) {
                        guard PluginManifest.isIdentifier(plugin) else {
                            throw fail(pluginKey, "'\(plugin)' is not a plugin id (e.g. acme.search)")
                        }
                        policy.plugins[plugin] = try pluginPolicy(section, name: "plugins.\(plugin)")
                    }
                case "workspace":
                    let folder = try yaml.string(value, "workspace")
                    let base = URL(fileURLWithPath: path).deletingLastPathComponent().path
                    policy.workspace = PathAllowList.resolve(folder, in: base)
                case "global": policy.global = try guardrails(value, over: .standard, name: "global")
                case "handoffs":
                    for (field, _, item) in try mapping(value, "handoffs", keys: ["max_depth"]) where field == "max_depth" {
                        policy.handoffDepthLimit = try integer(item, "handoffs.max_depth", minimum: 1)
                    }
                case "orchestration": policy.orchestration = try yaml.limits(value, "orchestration")
                case "routing": policy.routing = try yaml.routing(value, "routing")
                case "models":
                    for (alias, aliasKey, section) in try mapping(value, "models", keys: []) {
                        guard ModelEndpoint.isAlias(alias) else {
                            throw fail(aliasKey, "'\(alias)' is not a model alias: use letters, digits, '.', '_' or '-' (e.g. fast, claude)")
                        }
                        policy.models[alias] = try yaml.modelEndpoint(section, alias: alias)
                    }
                case "budgets": policy.budgets = try yaml.budgetPolicy(value)
                case "approvals": policy.approvals = try yaml.approvals(value)
                case "telemetry": policy.telemetry = try yaml.telemetry(value)
                default: agentNodes = try mapping(value, "agents", keys: [])
                }
            }
            // Agent sections lay over the global section, whichever came first in the file.
            for (agent, key, value) in agentNodes {
                guard PluginManifest.isIdentifier(agent) else { throw fail(key, "'\(agent)' is not an agent id (e.g. agenthost.knowledge)") }
                policy.agents[agent] = try guardrails(value, over: policy.global, name: "agents.\(agent)")
            }
            return policy
        }

        func pluginPolicy(_ node: Node, name: String) throws(YAMLProblem) -> PluginPolicy {
            var result = PluginPolicy()
            let limitNames = PluginLimits.named.keys.sorted()
            for (key, _, value) in try mapping(node, name, keys: ["trusted", "isolation", "take_over", "command_env"] + limitNames) {
                switch key {
                case "trusted":
                    guard let flag = value.bool else { throw fail(value, "\(name).trusted must be true or false") }
                    result.trusted = flag
                case "isolation":
                    guard let text = value.scalar?.string, let mode = IsolationMode(rawValue: text) else {
                        throw fail(value, "\(name).isolation must be process or in-process")
                    }
                    result.isolation = mode
                case "take_over": result.takeOver = try strings(value, "\(name).take_over")
                case "command_env": result.commandEnvironment = try strings(value, "\(name).command_env")
                default:
                    let range = PluginLimits.named[key]!.range
                    let number = try integer(value, "\(name).\(key)", minimum: range.lowerBound)
                    guard number <= range.upperBound else {
                        throw fail(value, "\(name).\(key) must be at most \(range.upperBound), got \(number)")
                    }
                    result.limits[key] = number
                }
            }
            return result
        }

        func guardrails(_ node: Node, over base: Guardrails, name: String) throws(YAMLProblem) -> Guardrails {
            var result = base
            for (key, _, value) in try mapping(node, name, keys: ["input", "output", "tools", "network", "paths"]) {
                switch key {
                case "input": result.input = try stage(value, over: base.input, name: "\(name).input", output: false)
                case "output": result.output = try stage(value, over: base.output, name: "\(name).output", output: true)
                case "tools": result.tools = try stage(value, over: base.tools, name: "\(name).tools", output: false)
                case "network": result.network = NetworkAllowList(try strings(value, "\(name).network"))
                default: result.paths = PathAllowList(try strings(value, "\(name).paths"))
                }
            }
            return result
        }

        func stage(_ node: Node, over base: GuardrailStage, name: String, output: Bool) throws(YAMLProblem) -> GuardrailStage {
            var keys = ["max_bytes", "secrets", "pii", "deny"]
            if output { keys.append("validate_output") }
            var result = base
            for (key, _, value) in try mapping(node, name, keys: keys) {
                switch key {
                case "max_bytes": result.maxBytes = try integer(value, "\(name).max_bytes", minimum: 1)
                case "secrets": result.secrets = try action(value, "\(name).secrets")
                case "pii": result.personalData = try action(value, "\(name).pii")
                case "validate_output":
                    guard let flag = value.bool else { throw fail(value, "\(name).validate_output must be true or false") }
                    result.validateOutput = flag
                default:
                    guard let sequence = value.sequence else { throw fail(value, "\(name).deny must be a list of regular expressions") }
                    result.deny = []
                    for item in sequence {
                        guard let pattern = item.scalar?.string else { throw fail(item, "each deny pattern must be a string") }
                        do {
                            result.deny.append(try DenyPattern(pattern))
                        } catch {
                            throw fail(item, "deny pattern '\(pattern)' is not a valid regular expression")
                        }
                    }
                }
            }
            return result
        }

        func action(_ node: Node, _ name: String) throws(YAMLProblem) -> GuardrailAction {
            guard let text = node.scalar?.string, let action = GuardrailAction(rawValue: text) else {
                throw fail(node, "\(name) must be allow, redact or trip, not '\(node.scalar?.string ?? "a list or mapping")'")
            }
            return action
        }
    }
}
