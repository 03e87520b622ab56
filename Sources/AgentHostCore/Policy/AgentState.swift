/// Where an agent is in its work. The host masks tools by state; the raw
/// values are those of `ah_agent_state` in the C ABI.
public enum AgentState: UInt32, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case idle = 0
    case planning = 1
    case executing = 2
    case verifying = 3
    case learning = 4
    case done = 5
    case failed = 6

    /// The spelling used in manifests and on the command line: `EXECUTING`.
    public var name: String {
        switch self {
        case .idle: "IDLE"
        case .planning: "PLANNING"
        case .executing: "EXECUTING"
        case .verifying: "VERIFYING"
        case .learning: "LEARNING"
        case .done: "DONE"
        case .failed: "FAILED"
        }
    }

    public var description: String { name }

    /// Parses a manifest spelling, case-insensitively.
    public init?(name: String) {
        let upper = name.uppercased()
        guard let state = Self.allCases.first(where: { $0.name == upper }) else { return nil }
        self = state
    }
}

/// A set of agent states, laid out as the C ABI's `AH_STATE_BIT` mask so a tool's
/// allowed states can be checked with one AND.
public struct AgentStateSet: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public init(_ state: AgentState) { self.rawValue = 1 << state.rawValue }

    public init(_ states: some Sequence<AgentState>) {
        self.rawValue = states.reduce(0) { $0 | (1 << $1.rawValue) }
    }

    public func contains(_ state: AgentState) -> Bool { rawValue & (1 << state.rawValue) != 0 }

    public var states: [AgentState] { AgentState.allCases.filter(contains) }

    public var description: String { states.map(\.name).joined(separator: ",") }
}

extension AgentStateSet {
    /// Parses manifest spellings, naming an unknown one in the decoding error.
    init<Key: CodingKey>(names: [String], key: Key, in container: KeyedDecodingContainer<Key>) throws {
        self.init()
        for spelling in names {
            guard let state = AgentState(name: spelling) else {
                throw DecodingError.dataCorruptedError(
                    forKey: key, in: container,
                    debugDescription: "unknown state '\(spelling)'; use \(AgentState.allCases.map(\.name).joined(separator: ", "))")
            }
            insert(AgentStateSet(state))
        }
    }
}
