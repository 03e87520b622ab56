import Foundation

/// A successful answer: UTF-8 JSON bytes.
public struct AgentReply: Sendable {
    public var body: [UInt8]

    public init(body: [UInt8]) { self.body = body }

    /// A reply from JSON text the plugin wrote itself.
    public static func json(_ text: String) -> AgentReply { AgentReply(body: Array(text.utf8)) }

    /// A reply encoding `value` with `JSONEncoder` (keys sorted, for stable output).
    public static func encoding(_ value: some Encodable) throws -> AgentReply {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return AgentReply(body: Array(try encoder.encode(value)))
        } catch {
            throw AgentError.failed("could not encode the reply: \(error)")
        }
    }
}
