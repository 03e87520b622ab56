import AgentHostCore

/// What a wire format found wrong with an answer, before the provider puts
/// the model's alias to it. Texts name the event or field and quote a short
/// excerpt of what came, never the request (which is where a key would be).
enum ModelWireProblem: Error {
    /// Not what the format says: bad JSON, a field of the wrong kind.
    case malformed(String)
    /// The provider reported an error inside a 2xx answer (an `error` event in a stream).
    case providerError(status: Int, message: String)

    func error(alias: String) -> ModelError {
        switch self {
        case .malformed(let problem): .malformed(alias: alias, problem: problem)
        case .providerError(let status, let message): .http(alias: alias, status: status, message: message)
        }
    }

    /// The first characters of `text`, on one line, for an error message.
    static func excerpt(_ text: some StringProtocol, limit: Int = 80) -> String {
        let line = text.prefix(limit + 1).map { $0.isNewline ? " " : $0 }
        return line.count > limit ? String(line.prefix(limit)) + "…" : String(line)
    }

    static func excerpt(_ bytes: [UInt8], limit: Int = 80) -> String {
        excerpt(String(decoding: bytes.prefix(limit * 4), as: UTF8.self), limit: limit)
    }
}
