import Foundation
import Yams

/// Reads a YAML document node by node, so that every problem names its
/// line: a misspelled key, a value of the wrong kind, a key given twice.
/// Shared by the policy file and workflow files.
struct YAMLReader {
    /// Parses `text`; nil for an empty document.
    static func compose(_ text: String) throws(YAMLProblem) -> Node? {
        do {
            return try Yams.compose(yaml: text)
        } catch let error as YamlError {
            switch error {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
                throw YAMLProblem(line: mark.line, problem: "is not valid YAML: \(problem)")
            default:
                throw YAMLProblem(line: nil, problem: "is not valid YAML: \(error)")
            }
        } catch {
            throw YAMLProblem(line: nil, problem: "is not valid YAML: \(error)")
        }
    }

    /// The text of the file at `path`, checked to be UTF-8 text before YAML reads it.
    static func text(ofFile path: String, kind: String) throws(YAMLProblem) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw YAMLProblem(line: nil, problem: "cannot be read; check the path")
        }
        do throws(TextInputError) {
            return try TextInput.decode(data, kind: kind)
        } catch {
            throw YAMLProblem(line: error.line, problem: error.problem)
        }
    }

    func fail(_ node: Node, _ problem: String) -> YAMLProblem {
        YAMLProblem(line: node.mark?.line, problem: problem)
    }

    /// The entries of a mapping whose keys must be among `keys` (any key when empty), each once.
    /// Throws the first problem (the policy reader stops there).
    func mapping(_ node: Node, _ name: String, keys: [String]) throws(YAMLProblem) -> [(String, Node, Node)] {
        let problems = YAMLProblems()
        let entries = try mapping(node, name, keys: keys, collecting: problems)
        if let first = problems.all.first { throw first }
        return entries
    }

    /// The entries of a mapping, as `mapping(_:_:keys:)`, but a key that is
    /// unknown or given twice is kept as a problem and skipped, so reading goes on.
    func mapping(_ node: Node, _ name: String, keys: [String], collecting problems: YAMLProblems) throws(YAMLProblem) -> [(String, Node, Node)] {
        guard let mapping = node.mapping else {
            throw fail(node, "\(name) must be a mapping\(keys.isEmpty ? "" : " of \(keys.joined(separator: ", "))"), not a \(node.kindName)")
        }
        var entries: [(String, Node, Node)] = []
        var seen = Set<String>()
        for (key, value) in mapping {
            guard let word = key.string else {
                problems.add(fail(key, "keys of \(name) must be words"))
                continue
            }
            guard keys.isEmpty || keys.contains(word) else {
                problems.add(fail(key, "unknown key '\(word)' in \(name); expected \(keys.joined(separator: ", "))"))
                continue
            }
            guard seen.insert(word).inserted else {
                problems.add(fail(key, "'\(word)' is given twice in \(name)"))
                continue
            }
            entries.append((word, key, value))
        }
        return entries
    }

    func strings(_ node: Node, _ name: String) throws(YAMLProblem) -> [String] {
        guard let sequence = node.sequence else { throw fail(node, "\(name) must be a list, not a \(node.kindName)") }
        var result: [String] = []
        for item in sequence {
            guard let text = item.scalar?.string, !text.isEmpty else { throw fail(item, "each entry of \(name) must be a non-empty string") }
            result.append(text)
        }
        return result
    }

    func string(_ node: Node, _ name: String) throws(YAMLProblem) -> String {
        guard let text = node.scalar?.string, !text.isEmpty else { throw fail(node, "\(name) must be a non-empty string") }
        return text
    }

    /// The most any count or size in a file may be, unless a key says otherwise: far above any real need,
    /// far below what could overflow when the host adds or multiplies it.
    static let largestNumber = 1_000_000_000

    /// A whole number from `minimum` to `maximum`; 1e9, 2.5, "ten" or 10**30 get an error naming the key and the range.
    func integer(_ node: Node, _ name: String, minimum: Int, maximum: Int = YAMLReader.largestNumber) throws(YAMLProblem) -> Int {
        guard let value = Self.wholeNumber(node), value >= minimum, value <= maximum else {
            throw fail(node, "\(name) must be a whole number from \(minimum) to \(maximum), not \(node.scalar?.string.prefix(40) ?? "a \(node.kindName)")")
        }
        return value
    }

    func number(_ node: Node, _ name: String) throws(YAMLProblem) -> Double {
        guard let value = Self.decimal(node) else { throw fail(node, "\(name) must be a number") }
        return value
    }

    /// A plain scalar written as a whole number: digits with an optional sign,
    /// or 0x / 0o hex and octal. Not Yams' `Node.int`, whose base-60 reading
    /// of "1:1:1:1:1:1:1:1:1:1:1" overflows and traps.
    static func wholeNumber(_ node: Node) -> Int? {
        guard case .scalar(let scalar) = node, scalar.style == .plain else { return nil }
        var text = Substring(scalar.string)
        var sign = ""
        if let first = text.first, first == "-" || first == "+" {
            sign = first == "-" ? "-" : ""
            text = text.dropFirst()
        }
        for (prefix, radix) in [("0x", 16), ("0o", 8)] where text.hasPrefix(prefix) {
            return Int(sign + text.dropFirst(2), radix: radix)
        }
        guard !text.isEmpty, text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber) else { return nil }
        return Int(sign + text)
    }

    /// A plain scalar written as a decimal number ("2.5", "1e3", ".inf" reads as infinity).
    static func decimal(_ node: Node) -> Double? {
        if let whole = wholeNumber(node) { return Double(whole) }
        guard case .scalar(let scalar) = node, scalar.style == .plain else { return nil }
        let text = scalar.string
        switch text.lowercased() {
        case ".inf", "+.inf": return .infinity
        case "-.inf": return -.infinity
        default:
            guard text.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }) else { return nil }
            return Double(text)
        }
    }

    func bool(_ node: Node, _ name: String) throws(YAMLProblem) -> Bool {
        guard let value = node.bool else { throw fail(node, "\(name) must be true or false") }
        return value
    }

    /// Orchestration limits, as the policy's `orchestration` and a workflow's `limits` spell them.
    func limits(_ node: Node, _ name: String) throws(YAMLProblem) -> OrchestrationLimits {
        var limits = OrchestrationLimits()
        for (field, _, item) in try mapping(node, name, keys: ["max_steps", "max_agents", "max_concurrency", "per_agent_concurrency"]) {
            let value = try integer(item, "\(name).\(field)", minimum: 1)
            switch field {
            case "max_steps": limits.maxSteps = value
            case "max_agents": limits.maxAgents = value
            case "max_concurrency": limits.maxConcurrency = value
            default: limits.perAgentConcurrency = value
            }
        }
        return limits
    }

    func telemetry(_ node: Node) throws(YAMLProblem) -> TelemetryPolicy {
        var telemetry = TelemetryPolicy()
        for (field, _, item) in try mapping(node, "telemetry", keys: ["otlp_endpoint", "service_name"]) {
            let text = try string(item, "telemetry.\(field)")
            switch field {
            case "otlp_endpoint":
                if let problem = TelemetryPolicy.problem(with: text) { throw fail(item, "telemetry.otlp_endpoint: \(problem)") }
                telemetry.otlpEndpoint = text
            default:
                guard !text.isEmpty else { throw fail(item, "telemetry.service_name must not be empty") }
                telemetry.serviceName = text
            }
        }
        return telemetry
    }

    func routing(_ node: Node, _ name: String) throws(YAMLProblem) -> RoutingPolicy {
        var routing = RoutingPolicy()
        for (field, _, item) in try mapping(node, name, keys: ["learn", "min_tasks", "refresh_ms", "window"]) {
            switch field {
            case "learn": routing.learn = try bool(item, "\(name).learn")
            case "min_tasks": routing.minTasks = try integer(item, "\(name).min_tasks", minimum: 1, maximum: 1_000_000)
            case "refresh_ms": routing.refreshMilliseconds = try integer(item, "\(name).refresh_ms", minimum: 0, maximum: 86_400_000)
            default: routing.window = try integer(item, "\(name).window", minimum: 1, maximum: 10_000_000)
            }
        }
        return routing
    }

    /// Any YAML value as JSON: quoted scalars stay strings, plain ones become
    /// numbers, booleans or null when they read as such.
    func json(_ node: Node) throws(YAMLProblem) -> JSONValue {
        switch node {
        case .scalar(let scalar):
            guard scalar.style == .plain else { return .string(scalar.string) }
            if ["null", "Null", "NULL", "~", ""].contains(scalar.string) { return .null }
            if let value = node.bool { return .bool(value) }
            if let value = Self.wholeNumber(node) { return .number(Double(value)) }
            if let value = Self.decimal(node), value.isFinite { return .number(value) }
            return .string(scalar.string)
        case .sequence(let sequence):
            var values: [JSONValue] = []
            for item in sequence { values.append(try json(item)) }
            return .array(values)
        case .mapping(let mapping):
            var fields: [String: JSONValue] = [:]
            for (key, value) in mapping {
                guard let word = key.string else { throw fail(key, "object keys must be strings") }
                guard fields[word] == nil else { throw fail(key, "'\(word)' is given twice") }
                fields[word] = try json(value)
            }
            return .object(fields)
        case .alias:
            throw fail(node, "aliases are not supported here; write the value out")
        }
    }
}

/// A problem at a line of a YAML file; each file type wraps it in its own error.
struct YAMLProblem: Error, Sendable {
    let line: Int?
    let problem: String
}

/// The problems a reading has found so far.
final class YAMLProblems {
    private(set) var all: [YAMLProblem] = []
    func add(_ problem: YAMLProblem) { all.append(problem) }
}

extension Node {
    /// What kind of YAML value this is, for messages: "list", "mapping", "value".
    var kindName: String {
        switch self {
        case .scalar: "value"
        case .sequence: "list"
        case .mapping: "mapping"
        case .alias: "alias"
        }
    }
}
