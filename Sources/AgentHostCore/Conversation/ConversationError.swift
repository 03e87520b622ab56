/// Why a conversation could not start or take a message.
public enum ConversationError: Error, Sendable, CustomStringConvertible {
    case noParticipants
    case unknownAgent(String, hint: String)
    case noCapability(agent: String, capability: String?)
    case roleNotAllowed(role: String, allowed: [String])
    case unknownConversation(Int64)
    case timedOut(Int64, afterMilliseconds: Int)
    /// Every participant has used its turns.
    case turnsExhausted(Int64, limit: Int)
    /// No participant takes the message (dynamic, collaborative): it holds none
    /// of the keywords of the capabilities they answer with. `examples` are
    /// some keywords of each of those capabilities.
    case noKeywordMatch(message: String, examples: [String])
    /// No participant takes a task in words: none has a capability with a text input (or its own input).
    case takesNoWords(Int64)
    case store(StoreError)

    public var description: String {
        switch self {
        case .noParticipants: "a conversation needs at least one participant"
        case .unknownAgent(let agent, let hint): "the agent '\(agent)' is not loaded\(hint); `agenthost plugins` lists the agents"
        case .noCapability(let agent, let capability):
            capability.map { "the agent '\(agent)' does not declare '\($0)'" } ?? "the agent '\(agent)' declares no capability"
        case .roleNotAllowed(let role, let allowed):
            "the role '\(role)' may not take part; the policy allows \(allowed.joined(separator: ", "))"
        case .unknownConversation(let id): "there is no conversation \(id) in the store"
        case .timedOut(let id, let milliseconds): "conversation \(id) timed out: it was open for \(milliseconds) ms, its policy's limit"
        case .turnsExhausted(let id, let limit): "conversation \(id) is over: every participant has answered \(limit) times, its policy's limit"
        case .noKeywordMatch(let message, let examples):
            "no participant takes \"\(Self.preview(message))\": it holds none of their keywords"
                + (examples.isEmpty ? " (they declare none)" : "; words that route: \(examples.joined(separator: "; "))")
        case .takesNoWords(let id):
            "no participant of conversation \(id) takes a task in words: none has a capability with a text input (`agenthost plugins info AGENT`)"
        case .store(let error): error.description
        }
    }

    /// A message as an error quotes it: at most 60 characters.
    public static func preview(_ message: String) -> String { message.count > 60 ? String(message.prefix(57)) + "..." : message }
}
