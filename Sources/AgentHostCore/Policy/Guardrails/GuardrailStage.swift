/// The guardrails of one place a task's bytes pass: the input, the output,
/// or the arguments and results of tool calls.
public struct GuardrailStage: Sendable, Hashable {
    /// Bytes beyond this trip the guardrail; nil for no limit.
    public var maxBytes: Int?
    /// API keys and private keys.
    public var secrets: GuardrailAction
    /// E-mail addresses and card numbers (Luhn-checked).
    public var personalData: GuardrailAction
    /// Patterns whose match trips the guardrail.
    public var deny: [DenyPattern]
    /// Check an agent's output against its capability's declared output type
    /// (output only).
    public var validateOutput: Bool

    public init(maxBytes: Int? = nil, secrets: GuardrailAction = .allow, personalData: GuardrailAction = .allow,
                deny: [DenyPattern] = [], validateOutput: Bool = false) {
        self.maxBytes = maxBytes
        self.secrets = secrets
        self.personalData = personalData
        self.deny = deny
        self.validateOutput = validateOutput
    }

    /// The defaults when no policy file says otherwise: inputs up to 1 MiB
    /// and free of secrets; outputs up to 8 MiB with secrets redacted; tool
    /// strings up to 64 KiB and free of secrets.
    public static let defaultInput = GuardrailStage(maxBytes: 1 << 20, secrets: .trip)
    public static let defaultOutput = GuardrailStage(maxBytes: 8 << 20, secrets: .redact)
    public static let defaultTools = GuardrailStage(maxBytes: 64 << 10, secrets: .trip)

    /// Whether the stage needs to look at the bytes at all beyond their size.
    var scans: Bool { secrets != .allow || personalData != .allow || !deny.isEmpty }
}
