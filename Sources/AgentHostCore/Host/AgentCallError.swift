/// Why an agent call did not produce a result.
public enum AgentCallError: Error, Sendable, CustomStringConvertible {
    /// No agent could be chosen.
    case routing(RoutingError)
    /// The agent answered with an error status and message.
    case agentFailed(agent: String, capability: String, status: AgentStatus, message: String)
    /// A delegation the host would not carry out (outside EXECUTING, too
    /// deep, or re-entering a plugin that is not thread-safe, which would deadlock).
    case delegationRefused(capability: String, reason: String)
    /// A guardrail stopped the call.
    case guardrail(GuardrailTrip)
    /// Agents are called only in PLANNING, EXECUTING, VERIFYING or LEARNING.
    case notWorkingState(agent: String, state: AgentState)
    /// The capability's manifest does not list the state the call was made in.
    case capabilityMasked(agent: String, capability: String, state: AgentState, allowed: AgentStateSet)

    public var status: AgentStatus {
        switch self {
        case .routing: .notFound
        case .agentFailed(_, _, let status, _): status
        case .delegationRefused: .unavailable
        case .guardrail: .denied
        case .notWorkingState: .invalidArgument
        case .capabilityMasked: .denied
        }
    }

    public var description: String {
        switch self {
        case .routing(let error):
            return error.description
        case .agentFailed(let agent, let capability, let status, let message):
            return "agent '\(agent)' failed '\(capability)' (\(status)): \(message)"
        case .delegationRefused(let capability, let reason):
            return "delegation to '\(capability)' refused: \(reason)"
        case .guardrail(let trip):
            return trip.description
        case .notWorkingState(let agent, let state):
            return "agent '\(agent)' cannot be called in state \(state); call it in PLANNING, EXECUTING, VERIFYING or LEARNING"
        case .capabilityMasked(let agent, let capability, let state, let allowed):
            return "'\(capability)' of agent '\(agent)' runs in \(allowed) only, not in \(state); "
                + "call it in one of those states or change its \"states\" in plugin.json"
        }
    }
}
