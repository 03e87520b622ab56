/// What a guardrail does with what it matched.
public enum GuardrailAction: String, Sendable, Hashable, CaseIterable {
    /// Let it through.
    case allow
    /// Replace the match with `[REDACTED:kind]` and go on.
    case redact
    /// Stop the task with a `GuardrailTrip`.
    case trip
}
