/// Why a task could not be routed.
public enum RoutingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No loaded agent declares the capability.
    case noAgent(capability: String, suggestions: [String])
    /// No keywords of a capability that takes words occur in the free text.
    /// `examples` are such capabilities with some of their keywords; `wordless`
    /// the capabilities whose keywords matched but which take no words.
    case noKeywordMatch(text: String, examples: [String], wordless: [String])

    public var description: String {
        switch self {
        case .noAgent(let capability, let suggestions):
            let hint = suggestions.isEmpty
                ? "`agenthost plugins list` shows what is loaded"
                : "close matches: \(suggestions.map { "'\($0)'" }.joined(separator: ", "))"
            return "no agent provides capability '\(capability)'; \(hint)"
        case .noKeywordMatch(let text, let examples, let wordless):
            let preview = text.count > 60 ? String(text.prefix(57)) + "..." : text
            var message = "no agent takes \"\(preview)\": it holds none of the keywords of the capabilities that take a task in words"
            if !wordless.isEmpty {
                message += "; it matches \(wordless.joined(separator: ", ")), which take\(wordless.count == 1 ? "s" : "") no words: "
                    + "name \(wordless.count == 1 ? "it" : "one") as a capability and give its input as fields "
                    + "(`agenthost plugins info` shows what each takes)"
            }
            if !examples.isEmpty { message += ". Words that route (the first few of each): \(examples.joined(separator: "; "))" }
            return message
        }
    }
}
