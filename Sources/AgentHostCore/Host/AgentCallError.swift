/// Why an agent call did not produce a result.
public enum AgentCallError: Error, Sendable, CustomStringConvertible {
    /// No loaded plugin declares the capability.
    case noAgent(capability: String, suggestions: [String])
    /// The agent answered with an error status and message.
    case agentFailed(agent: String, capability: String, status: AgentStatus, message: String)
    /// A delegation the host would not carry out (too deep, or re-entering a
    /// plugin that is not thread-safe, which would deadlock).
    case delegationRefused(capability: String, reason: String)

    public var status: AgentStatus {
        switch self {
        case .noAgent: .notFound
        case .agentFailed(_, _, let status, _): status
        case .delegationRefused: .unavailable
        }
    }

    public var description: String {
        switch self {
        case .noAgent(let capability, let suggestions):
            let hint = suggestions.isEmpty
                ? "`agenthost plugins list` shows what is loaded"
                : "did you mean \(suggestions.map { "'\($0)'" }.joined(separator: ", "))?"
            return "no agent provides capability '\(capability)'; \(hint)"
        case .agentFailed(let agent, let capability, let status, let message):
            return "agent '\(agent)' failed '\(capability)' (\(status)): \(message)"
        case .delegationRefused(let capability, let reason):
            return "delegation to '\(capability)' refused: \(reason)"
        }
    }
}
