import AgentHostCore
import Foundation

/// What the formats share of reading a provider's JSON.
enum ModelJSON {
    /// The provider's own error message from an error body: `{"error":{"message"}}`
    /// (OpenAI and Anthropic alike), `{"error":"…"}` (llama.cpp, Ollama) or
    /// `{"message"}`; otherwise the start of the body, or `fallback` when it is empty.
    static func errorMessage(in body: [UInt8], fallback: String) -> String {
        if let object = try? JSONValue(parsing: body) {
            if case .string(let message)? = object["error"]?["message"], !message.isEmpty { return message }
            if case .string(let message)? = object["error"], !message.isEmpty { return message }
            if case .string(let message)? = object["message"], !message.isEmpty { return message }
        }
        let excerpt = ModelWireProblem.excerpt(body, limit: 200)
        return excerpt.trimmingCharacters(in: .whitespaces).isEmpty ? fallback : excerpt
    }
}
