import AgentHostCore
import Foundation

extension ModelError {
    /// The same error with every occurrence of `secret` in its texts replaced:
    /// a provider's message or a library's error may quote what it was sent.
    func redacting(_ secret: String) -> ModelError {
        func clean(_ text: String) -> String { text.contains(secret) ? text.replacingOccurrences(of: secret, with: "[key]") : text }
        switch self {
        case .unreachable(let alias, let reason): return .unreachable(alias: alias, reason: clean(reason))
        case .http(let alias, let status, let message): return .http(alias: alias, status: status, message: clean(message))
        case .retriesExhausted(let alias, let attempts, let status, let message):
            return .retriesExhausted(alias: alias, attempts: attempts, lastStatus: status, message: clean(message))
        case .malformed(let alias, let problem): return .malformed(alias: alias, problem: clean(problem))
        case .streamCut(let alias, let problem): return .streamCut(alias: alias, problem: clean(problem))
        case .timeout, .cancelled, .missingKey: return self
        }
    }
}
