import Foundation
import Yams

/// Reads a role file (YAML): an agent without code, run by the bundled
/// Assistant. Every key is checked and a problem names its line.
///
///     id: team.architect
///     role: Architect
///     description: Turns user stories into a design
///     model: default                  # an alias of the policy's models:
///     instructions: |
///       You are the architect. Given user stories, write a short design...
///     capabilities:
///       - name: team.design
///         description: A design for the user stories
///         input: { type: object, properties: { stories: { type: string } }, required: [stories] }
///         output: { type: object, properties: { design: { type: string } }, required: [design] }
///         keywords: [design, architecture]
///     tools: [code.generate]          # capabilities (or typed tools) it may call
///     handoffs: [team.developer]
///     guardrails: { output: { pii: redact } }
///     budget: { model_calls: 10, cost: 0.50 }
///     max_turns: 6
public enum RoleFile {
    static let keys = ["id", "role", "description", "model", "instructions", "capabilities", "tools", "handoffs", "guardrails", "budget", "max_turns"]
    static let capabilityKeys = ["name", "description", "input", "output", "keywords", "states", "text_input"]

    public static func load(path: String) throws(RoleFileError) -> RoleDefinition {
        let text: String
        do throws(YAMLProblem) {
            text = try YAMLReader.text(ofFile: path, kind: "a role file (YAML)")
        } catch {
            throw RoleFileError(path: path, line: error.line, problem: error.problem)
        }
        return try parse(text, path: path)
    }

    /// Every `*.yaml` and `*.yml` file in `folder`, in name order; each one's problem is its own.
    public static func loadAll(in folder: String) -> [Result<RoleDefinition, RoleFileError>] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { !$0.hasPrefix(".") && ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) }.sorted().map { name in
            let path = URL(fileURLWithPath: folder).appendingPathComponent(name).path
            do throws(RoleFileError) {
                return .success(try load(path: path))
            } catch {
                return .failure(error)
            }
        }
    }

    public static func parse(_ text: String, path: String) throws(RoleFileError) -> RoleDefinition {
        do throws(YAMLProblem) {
            guard let root = try YAMLReader.compose(text) else {
                throw YAMLProblem(line: nil, problem: "is empty; a role needs an id, a role, a model, instructions and capabilities")
            }
            return try role(root, path: path)
        } catch {
            throw RoleFileError(path: path, line: error.line, problem: error.problem)
        }
    }

    private static func role(_ root: Node, path: String) throws(YAMLProblem) -> RoleDefinition {
        let yaml = YAMLReader()
        var id: String?, roleName: String?, description = "", model: String?, instructions: String?
        var capabilities: [PluginManifest.Capability] = [], tools: [String] = [], handoffs: [PluginManifest.HandoffTarget] = []
        var overrides = GuardrailOverrides(), budget = Budget.unlimited, maxTurns = RoleDefinition.defaultMaxTurns
        for (key, _, value) in try yaml.mapping(root, "the role", keys: keys) {
            switch key {
            case "id":
                let text = try yaml.string(value, "id")
                guard PluginManifest.isIdentifier(text) else { throw yaml.fail(value, "id '\(text)' is not an agent id: lower-case words joined by '.', e.g. team.architect") }
                id = text
            case "role": roleName = try yaml.string(value, "role")
            case "description": description = try yaml.string(value, "description")
            case "model":
                let text = try yaml.string(value, "model")
                guard ModelEndpoint.isAlias(text) else { throw yaml.fail(value, "model '\(text)' is not a model alias (the policy's models: names them)") }
                model = text
            case "instructions":
                let text = try yaml.string(value, "instructions")
                guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw yaml.fail(value, "instructions must say what the agent does") }
                instructions = text
            case "capabilities":
                guard let list = value.sequence, !list.isEmpty else { throw yaml.fail(value, "capabilities must be a list of {name, description, input, output}") }
                for item in list { capabilities.append(try capability(item, yaml: yaml)) }
            case "tools": tools = try yaml.strings(value, "tools")
            case "handoffs":
                for target in try yaml.strings(value, "handoffs") {
                    guard PluginManifest.isIdentifier(target) else { throw yaml.fail(value, "handoff target '\(target)' is not an agent id") }
                    handoffs.append(PluginManifest.HandoffTarget(target: target))
                }
            case "guardrails":
                let reader = PolicyFile.Reader(path: path)
                let parsed = try reader.guardrails(value, over: .standard, name: "guardrails")
                for (stage, _, _) in try yaml.mapping(value, "guardrails", keys: ["input", "output", "tools", "network", "paths"]) {
                    switch stage {
                    case "input": overrides.input = parsed.input
                    case "output": overrides.output = parsed.output
                    case "tools": overrides.tools = parsed.tools
                    default: throw yaml.fail(value, "guardrails.\(stage) belongs in the policy file; a role sets input, output and tools")
                    }
                }
            case "budget": budget = try yaml.budget(value, "budget")
            default: maxTurns = try yaml.integer(value, "max_turns", minimum: 1, maximum: 1000)
            }
        }
        guard let id else { throw yaml.fail(root, "the role needs an id (e.g. team.architect)") }
        guard let model else { throw yaml.fail(root, "the role needs a model: an alias of the policy's models:") }
        guard let instructions else { throw yaml.fail(root, "the role needs instructions: what the agent is and does") }
        guard !capabilities.isEmpty else { throw yaml.fail(root, "the role needs capabilities: what it answers, with input and output types") }
        var seen = Set<String>()
        for capability in capabilities where !seen.insert(capability.name).inserted {
            throw yaml.fail(root, "capability '\(capability.name)' is declared twice")
        }
        return RoleDefinition(id: id, role: roleName ?? id, description: description, capabilities: capabilities, instructions: instructions,
                              model: model, tools: tools, handoffs: handoffs, guardrailOverrides: overrides, budget: budget, maxTurns: maxTurns,
                              source: path)
    }

    private static func capability(_ node: Node, yaml: YAMLReader) throws(YAMLProblem) -> PluginManifest.Capability {
        var fields: [String: JSONValue] = [:]
        for (key, _, value) in try yaml.mapping(node, "a capability", keys: capabilityKeys) {
            fields[key] = try yaml.json(value)
        }
        guard case .string(let name)? = fields["name"], PluginManifest.isIdentifier(name) else {
            throw yaml.fail(node, "a capability needs a name such as team.design")
        }
        if fields["description"] == nil { fields["description"] = .string(name) }
        for key in ["input", "output"] {
            if let schema = fields[key], case .object = schema {} else if fields[key] != nil {
                throw yaml.fail(node, "\(name): \(key) must be a JSON Schema written as a mapping (e.g. { type: object, properties: {...} })")
            }
        }
        // The manifest's own reader checks the rest (states, text_input), as for any plugin.json.
        do {
            return try JSONDecoder().decode(PluginManifest.Capability.self, from: Data(JSONValue.object(fields).canonicalBytes))
        } catch let DecodingError.dataCorrupted(context) {
            throw yaml.fail(node, "\(name): \(context.debugDescription)")
        } catch {
            throw yaml.fail(node, "\(name): \(error)")
        }
    }
}

/// A role file that cannot be used, with the line that is wrong.
public struct RoleFileError: Error, Sendable, Hashable, CustomStringConvertible {
    public let path: String
    public let line: Int?
    public let problem: String

    public var description: String {
        let place = line.map { "'\(path)', line \($0)" } ?? "'\(path)'"
        return "role file \(place): \(problem)"
    }
}
