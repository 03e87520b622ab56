/// Why a model call failed. Descriptions name the model alias and say what
/// to do; none ever contains a key.
public enum ModelError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The server could not be reached, or the connection failed before an answer.
    case unreachable(alias: String, reason: String)
    /// No complete answer within the endpoint's timeout.
    case timeout(alias: String, after: Duration)
    /// The call was cancelled (the task, the run or the host stopped).
    case cancelled(alias: String)
    /// The server answered with an error status; `message` is the provider's own error message.
    case http(alias: String, status: Int, message: String)
    /// Still 429 or 5xx after every retry.
    case retriesExhausted(alias: String, attempts: Int, lastStatus: Int, message: String)
    /// The answer was not what the wire format says: bad JSON, a broken event stream.
    case malformed(alias: String, problem: String)
    /// The stream ended before the provider said the answer was complete.
    case streamCut(alias: String, problem: String)
    /// The environment variable that should hold the key is not set.
    case missingKey(alias: String, variable: String)

    public var alias: String {
        switch self {
        case .unreachable(let alias, _), .timeout(let alias, _), .cancelled(let alias), .http(let alias, _, _),
             .retriesExhausted(let alias, _, _, _), .malformed(let alias, _), .streamCut(let alias, _), .missingKey(let alias, _):
            alias
        }
    }

    public var description: String {
        switch self {
        case .unreachable(let alias, let reason):
            "model '\(alias)': the server could not be reached (\(reason)); check models.\(alias).base_url and that the server runs"
        case .timeout(let alias, let after):
            "model '\(alias)': no complete answer within \(after.secondsText); raise models.\(alias).timeout_s or ask for less"
        case .cancelled(let alias):
            "model '\(alias)': the call was cancelled"
        case .http(let alias, let status, let message):
            "model '\(alias)': the server answered HTTP \(status): \(message)"
        case .retriesExhausted(let alias, let attempts, let status, let message):
            "model '\(alias)': still HTTP \(status) after \(attempts) attempts: \(message)"
        case .malformed(let alias, let problem):
            "model '\(alias)': the server's answer is malformed: \(problem)"
        case .streamCut(let alias, let problem):
            "model '\(alias)': the stream ended early: \(problem)"
        case .missingKey(let alias, let variable):
            "model '\(alias)': the environment variable \(variable) that holds its key is not set; export it, or remove models.\(alias).key_env for a server that needs none"
        }
    }
}

extension Duration {
    /// "1.5 s", "250 ms".
    var secondsText: String {
        let (seconds, attoseconds) = components
        let total = Double(seconds) + Double(attoseconds) / 1e18
        if total < 1 { return "\(Int((total * 1000).rounded())) ms" }
        let tenths = (total * 10).rounded() / 10
        return tenths == tenths.rounded() ? "\(Int(tenths)) s" : "\(tenths) s"
    }
}
