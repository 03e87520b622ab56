/// Who answers a message in a conversation. Only participants that take a
/// task in words answer (a capability with a `text_input`, or their own
/// input); each answers with its capability whose keywords the message holds
/// (the router's ranking), the message in that capability's text input.
public enum TurnStrategy: String, Sendable, Hashable, Codable, CaseIterable {
    /// The first participant that takes words answers every message: with the
    /// capability the message matches, else its first that takes words.
    case singleAgent = "single-agent"
    /// Participants that take words answer in turn, skipping those out of
    /// turns; each with the capability the message matches, else its first that takes words.
    case roundRobin = "round-robin"
    /// The participant whose capabilities best fit the message, as the router
    /// ranks them by declared keywords; nobody when no keyword matches
    /// (`ConversationError.noKeywordMatch`), never an agent in turn.
    case dynamic
    /// Every participant with turns left whose capabilities the message's
    /// keywords match answers; disagreements are settled by the policy's
    /// conflict rule and recorded. Nobody when no keyword matches.
    case collaborative
}
