/// The rules of one conversation.
public struct ConversationPolicy: Sendable, Hashable, Codable {
    /// Most answers any one participant may give; nil for no limit.
    public var maxTurnsPerAgent: Int?
    /// Roles that may take part (participants) and post (senders); nil for any.
    public var allowedRoles: Set<String>?
    /// How long the conversation stays open, in milliseconds from its start;
    /// nil for ever. Kept from 1 ms to 30 days, so deadlines made from it cannot overflow.
    public var timeoutMilliseconds: Int? {
        didSet { timeoutMilliseconds = timeoutMilliseconds.map { min(max($0, 1), Self.longestTimeoutMilliseconds) } }
    }
    public static let longestTimeoutMilliseconds = 2_592_000_000
    /// How disagreeing answers of a collaborative turn are settled.
    public var conflicts: ConflictResolution

    public init(maxTurnsPerAgent: Int? = nil, allowedRoles: Set<String>? = nil, timeoutMilliseconds: Int? = nil,
                conflicts: ConflictResolution = .vote) {
        self.maxTurnsPerAgent = maxTurnsPerAgent
        self.allowedRoles = allowedRoles
        self.conflicts = conflicts
        self.timeoutMilliseconds = timeoutMilliseconds.map { min(max($0, 1), Self.longestTimeoutMilliseconds) }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(maxTurnsPerAgent: try container.decodeIfPresent(Int.self, forKey: .maxTurnsPerAgent),
                  allowedRoles: try container.decodeIfPresent(Set<String>.self, forKey: .allowedRoles),
                  timeoutMilliseconds: try container.decodeIfPresent(Int.self, forKey: .timeoutMilliseconds),
                  conflicts: try container.decode(ConflictResolution.self, forKey: .conflicts))
    }
}

/// An agent taking part in a conversation, in a role.
public struct Participant: Sendable, Hashable, Codable {
    public var agent: String
    public var role: String
    /// The capability it answers with; nil for whichever of its agent's
    /// capabilities that take words the message matches (else the first of them).
    public var capability: String?
    /// Its own payload, with `{{message}}` for the message (for a capability
    /// that takes no words, or to add fields); nil: the message alone, in the
    /// capability's text input (`PluginManifest.Capability.textInput`).
    public var input: JSONValue?

    public init(agent: String, role: String, capability: String? = nil, input: JSONValue? = nil) {
        self.agent = agent
        self.role = role
        self.capability = capability
        self.input = input
    }
}
