/// A guardrail stopped a task. It names the guardrail and what it matched,
/// but never repeats a matched secret.
public struct GuardrailTrip: Error, Sendable, Hashable, CustomStringConvertible {
    /// Where in the task the bytes were.
    public enum Place: String, Sendable, Hashable {
        case input, output
        case toolArguments = "tool arguments"
        case toolResult = "tool result"
        case network, path, command
    }

    /// `max_bytes`, `secrets`, `pii`, `deny`, `output_schema`, `network` or `paths`.
    public let guardrail: String
    public let place: Place
    public let agent: String
    /// What matched, in words: "an AWS access key id at byte 14".
    public let finding: String

    public var description: String {
        "guardrail '\(guardrail)' tripped on the \(place.rawValue) of agent '\(agent)': \(finding)"
    }
}
