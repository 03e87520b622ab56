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
///     handoffs:
///       max_depth: 4
///     agents:
///       agenthost.knowledge:
///         output: { pii: redact }
public enum PolicyFile {
    /// `~/.agenthost/policy.yaml` (or under `$AGENTHOST_HOME`), used when it exists.
    public static func defaultPath() -> String {
        URL(fileURLWithPath: TaskStore.defaultPath()).deletingLastPathComponent().appendingPathComponent("policy.yaml").path
    }

    public static func load(path: String) throws(PolicyFileError) -> Policy {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PolicyFileError(path: path, line: nil, problem: "cannot be read; check the path")
        }
        return try parse(String(decoding: data, as: UTF8.self), path: path)
    }

    public static func parse(_ text: String, path: String) throws(PolicyFileError) -> Policy {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw syntaxError(error, path: path)
        } catch {
            throw PolicyFileError(path: path, line: nil, problem: "is not valid YAML: \(error)")
        }
        let reader = Reader(path: path)
        guard let root else { return Policy(source: path) }
        return try reader.policy(root)
    }

    private static func syntaxError(_ error: YamlError, path: String) -> PolicyFileError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return PolicyFileError(path: path, line: mark.line, problem: "is not valid YAML: \(problem)")
        default:
            return PolicyFileError(path: path, line: nil, problem: "is not valid YAML: \(error)")
        }
    }

    /// Walks the document, keeping the path for error messages.
    private struct Reader {
        let path: String

        func fail(_ node: Node, _ problem: String) -> PolicyFileError {
            PolicyFileError(path: path, line: node.mark?.line, problem: problem)
        }

        func mapping(_ node: Node, _ name: String, keys: [String]) throws(PolicyFileError) -> [(String, Node, Node)] {
            guard let mapping = node.mapping else { throw fail(node, "\(name) must be a mapping of \(keys.joined(separator: ", "))") }
            var entries: [(String, Node, Node)] = []
            var seen = Set<String>()
            for (key, value) in mapping {
                guard let word = key.string else { throw fail(key, "keys of \(name) must be words") }
                guard keys.isEmpty || keys.contains(word) else {
                    throw fail(key, "unknown key '\(word)' in \(name); expected \(keys.joined(separator: ", "))")
                }
                guard seen.insert(word).inserted else { throw fail(key, "'\(word)' is given twice in \(name)") }
                entries.append((word, key, value))
            }
            return entries
        }

        func strings(_ node: Node, _ name: String) throws(PolicyFileError) -> [String] {
            guard let sequence = node.sequence else { throw fail(node, "\(name) must be a list") }
            var result: [String] = []
            for item in sequence {
                guard let text = item.scalar?.string, !text.isEmpty else { throw fail(item, "each entry of \(name) must be a non-empty string") }
                result.append(text)
            }
            return result
        }

        func integer(_ node: Node, _ name: String, minimum: Int) throws(PolicyFileError) -> Int {
            guard let value = node.int, value >= minimum else { throw fail(node, "\(name) must be a whole number of at least \(minimum)") }
            return value
        }

        func policy(_ root: Node) throws(PolicyFileError) -> Policy {
            var policy = Policy(source: path)
            var agentNodes: [(String, Node, Node)] = []
            for (key, _, value) in try mapping(root, "the policy", keys: ["global", "agents", "handoffs"]) {
                switch key {
                case "global": policy.global = try guardrails(value, over: .standard, name: "global")
                case "handoffs":
                    for (field, _, item) in try mapping(value, "handoffs", keys: ["max_depth"]) where field == "max_depth" {
                        policy.handoffDepthLimit = try integer(item, "handoffs.max_depth", minimum: 1)
                    }
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

        func guardrails(_ node: Node, over base: Guardrails, name: String) throws(PolicyFileError) -> Guardrails {
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

        func stage(_ node: Node, over base: GuardrailStage, name: String, output: Bool) throws(PolicyFileError) -> GuardrailStage {
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

        func action(_ node: Node, _ name: String) throws(PolicyFileError) -> GuardrailAction {
            guard let text = node.scalar?.string, let action = GuardrailAction(rawValue: text) else {
                throw fail(node, "\(name) must be allow, redact or trip, not '\(node.scalar?.string ?? "a list or mapping")'")
            }
            return action
        }
    }
}
