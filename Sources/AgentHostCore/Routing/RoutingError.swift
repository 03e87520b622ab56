/// Why a task could not be routed.
public enum RoutingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No loaded agent declares the capability.
    case noAgent(capability: String, suggestions: [String])
    /// No agent's keywords occur in the free text.
    case noKeywordMatch(text: String, capabilities: [String])

    public var description: String {
        switch self {
        case .noAgent(let capability, let suggestions):
            let hint = suggestions.isEmpty
                ? "`agenthost plugins list` shows what is loaded"
                : "close matches: \(suggestions.map { "'\($0)'" }.joined(separator: ", "))"
            return "no agent provides capability '\(capability)'; \(hint)"
        case .noKeywordMatch(let text, let capabilities):
            let preview = text.count > 60 ? String(text.prefix(57)) + "..." : text
            return "no agent's keywords match \"\(preview)\"; name a capability instead (loaded: \(capabilities.joined(separator: ", ")))"
        }
    }
}
