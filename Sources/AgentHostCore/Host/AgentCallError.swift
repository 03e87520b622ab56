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
    /// The agent's process crashed, hung, ran out of a limit or is quarantined.
    case pluginFault(capability: String, fault: PluginFault)
    /// The agent answered AH_OK with a body that is not a reply (see agenthost.h).
    case invalidReply(agent: String, capability: String, problem: String)
    /// A budget (or the loop guard) stopped the agent's work.
    case budget(BudgetTrip)

    public var status: AgentStatus {
        switch self {
        case .routing: .notFound
        case .agentFailed(_, _, let status, _): status
        case .delegationRefused: .unavailable
        case .guardrail: .denied
        case .notWorkingState: .invalidArgument
        case .capabilityMasked: .denied
        case .pluginFault(_, let fault): fault.status
        case .invalidReply: .internalError
        case .budget: .denied
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
        case .pluginFault(let capability, let fault):
            return "'\(capability)' failed: \(fault)"
        case .invalidReply(let agent, let capability, let problem):
            return "agent '\(agent)' gave an invalid reply to '\(capability)': \(problem); a reply is UTF-8 JSON, "
                + "or text with DELEGATE blocks (see agenthost.h)"
        case .budget(let trip):
            return trip.description
        }
    }
}
