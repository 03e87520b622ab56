import Foundation

/// An agent defined without code: a role file (YAML) that the bundled
/// Assistant runs. It is routed, masked, guarded, budgeted and stored like
/// any plugin; what it knows is its instructions, and what it may do is
/// what the file lists.
public struct RoleDefinition: Sendable, Hashable {
    /// The id of the plugin that runs every role.
    public static let assistantID = "agenthost.assistant"
    public static let defaultMaxTurns = 8

    public var id: String
    /// Who the agent is, in a few words ("Architect").
    public var role: String
    public var description: String
    public var capabilities: [PluginManifest.Capability]
    public var instructions: String
    /// The model alias it uses (the policy's `models:`).
    public var model: String
    /// Capabilities (and typed tools) it may call, offered to its model as tools.
    public var tools: [String]
    public var handoffs: [PluginManifest.HandoffTarget]
    /// Guardrail sections as the policy's `agents:` entries spell them, laid over the policy's for this agent.
    public var guardrailOverrides: GuardrailOverrides
    public var budget: Budget
    /// The most model calls one task of it may make before it must answer.
    public var maxTurns: Int
    /// The file it was read from.
    public var source: String

    public init(id: String, role: String, description: String, capabilities: [PluginManifest.Capability], instructions: String,
                model: String, tools: [String] = [], handoffs: [PluginManifest.HandoffTarget] = [],
                guardrailOverrides: GuardrailOverrides = GuardrailOverrides(), budget: Budget = .unlimited,
                maxTurns: Int = RoleDefinition.defaultMaxTurns, source: String) {
        self.id = id
        self.role = role
        self.description = description
        self.capabilities = capabilities
        self.instructions = instructions
        self.model = model
        self.tools = tools
        self.handoffs = handoffs
        self.guardrailOverrides = guardrailOverrides
        self.budget = budget
        self.maxTurns = maxTurns
        self.source = source
    }

    /// The policy's guardrails for this agent with the role file's stages laid over them.
    func guardrails(over base: Guardrails) -> Guardrails { guardrailOverrides.apply(to: base) }

    /// The manifest the host makes for it: the Assistant's binary, the role's capabilities and handoffs,
    /// the Assistant's permissions with the role's model.
    func manifest(runningOn assistant: PluginManifest) -> PluginManifest {
        var permissions = assistant.permissions
        permissions.models = [model]
        return PluginManifest(id: id, name: role, version: assistant.version, description: description, abi: assistant.abi,
                              library: assistant.library, threadSafe: assistant.threadSafe, toolchain: assistant.toolchain,
                              capabilities: capabilities, handoffs: handoffs, permissions: permissions)
    }
}

/// Guardrail stages a role file sets; the rest stay the policy's.
public struct GuardrailOverrides: Sendable, Hashable {
    public var input: GuardrailStage?
    public var output: GuardrailStage?
    public var tools: GuardrailStage?

    public init(input: GuardrailStage? = nil, output: GuardrailStage? = nil, tools: GuardrailStage? = nil) {
        self.input = input
        self.output = output
        self.tools = tools
    }

    func apply(to base: Guardrails) -> Guardrails {
        var result = base
        if let input { result.input = input }
        if let output { result.output = output }
        if let tools { result.tools = tools }
        return result
    }
}
