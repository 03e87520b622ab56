/// Who answers a message in a conversation.
public enum TurnStrategy: String, Sendable, Hashable, Codable, CaseIterable {
    /// The first participant answers every message.
    case singleAgent = "single-agent"
    /// Participants answer in turn, skipping those out of turns.
    case roundRobin = "round-robin"
    /// The participant whose capabilities best fit the message, as the router
    /// ranks them by declared keywords; in turn when none fits.
    case dynamic
    /// Every participant with turns left answers; disagreements are settled
    /// by the policy's conflict rule and recorded.
    case collaborative
}
