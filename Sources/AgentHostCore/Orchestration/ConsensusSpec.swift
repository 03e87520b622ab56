/// A question put to several agents (or to one agent several times) and
/// decided by vote.
public struct ConsensusSpec: Sendable, Hashable, Codable {
    public var capability: String
    public var input: JSONValue
    /// The agents that answer, one vote each; nil: every agent with the capability.
    public var agents: [String]?
    /// Runs per agent; `runs: 3` with one agent asks it three times.
    public var runs: Int
    /// The share of votes the winner needs, in (0, 1].
    public var minAgreement: Double
    public var normalization: Normalization

    public init(capability: String, input: JSONValue = .object([:]), agents: [String]? = nil, runs: Int = 1,
                minAgreement: Double = 0.5, normalization: Normalization = .text) {
        self.capability = capability
        self.input = input
        self.agents = agents
        self.runs = runs
        self.minAgreement = minAgreement
        self.normalization = normalization
    }
}

/// How answers are made comparable before they are voted on.
public enum Normalization: Sendable, Hashable, Codable {
    /// Text: trimmed, whitespace runs as one space, lowercased, a trailing
    /// period dropped; an answer that is a JSON string is its text.
    case text
    /// JSON: parsed and written back with sorted keys and no spaces.
    case json
    /// The value at a path of keys in a JSON answer (`verdict`, `result.label`), then as `json`.
    case field([String])

    public func normalize(_ answer: [UInt8]) -> String {
        switch self {
        case .text:
            if answer.first == UInt8(ascii: "\""), case .string(let text)? = try? JSONValue(parsing: answer) { return Self.normalizeText(text) }
            return Self.normalizeText(String(decoding: answer, as: UTF8.self))
        case .json:
            guard let value = try? JSONValue(parsing: answer) else { return Self.normalizeText(String(decoding: answer, as: UTF8.self)) }
            return value.canonicalText
        case .field(let path):
            guard let value = try? JSONValue(parsing: answer), let field = value.value(at: path) else { return "" }
            if case .string(let text) = field { return Self.normalizeText(text) }
            return field.canonicalText
        }
    }

    static func normalizeText(_ text: String) -> String {
        var words = text.lowercased().split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        while words.last == "." || words.last == "!" { words.removeLast() }
        return words
    }

    public var name: String {
        switch self {
        case .text: "text"
        case .json: "json"
        case .field(let path): "field:" + path.joined(separator: ".")
        }
    }

    /// Parses `text`, `json` or `field:a.b`.
    public init?(name: String) {
        switch name {
        case "text": self = .text
        case "json": self = .json
        default:
            guard name.hasPrefix("field:"), name.count > 6 else { return nil }
            self = .field(name.dropFirst(6).split(separator: ".").map(String.init))
        }
    }
}
