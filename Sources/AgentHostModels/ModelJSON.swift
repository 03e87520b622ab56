import Foundation

/// The one JSONDecoder the formats share (making one per call costs
/// allocations for nothing; decoding with it is thread-safe), and how its
/// errors are told.
enum ModelJSON {
    static let decoder = JSONDecoder()

    /// "a wrong choices[0].delta.content", "no choices": the field, never the whole error dump.
    static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey], _ last: (any CodingKey)? = nil) -> String {
            var text = ""
            for key in codingPath + (last.map { [$0] } ?? []) {
                if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
            }
            return text.isEmpty ? "the top level" : text
        }
        switch error {
        case .keyNotFound(let key, let context): return "no \(path(context.codingPath, key))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "a wrong \(path(context.codingPath))"
        @unknown default: return "a wrong field"
        }
    }

    /// The provider's own error message from an error body: `{"error":{"message"}}`
    /// (OpenAI and Anthropic alike), `{"error":"…"}` (llama.cpp, Ollama) or
    /// `{"message"}`; otherwise the start of the body, or `fallback` when it is empty.
    static func errorMessage(in body: [UInt8], fallback: String) -> String {
        if let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] {
            if let error = object["error"] as? [String: Any], let message = error["message"] as? String, !message.isEmpty { return message }
            if let message = object["error"] as? String, !message.isEmpty { return message }
            if let message = object["message"] as? String, !message.isEmpty { return message }
        }
        let excerpt = ModelWireProblem.excerpt(body, limit: 200)
        return excerpt.trimmingCharacters(in: .whitespaces).isEmpty ? fallback : excerpt
    }
}
