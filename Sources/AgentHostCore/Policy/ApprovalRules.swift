/// What a person must approve before it happens: tool calls, capabilities
/// called through an agent (DELEGATE, a model's tool call) and model calls,
/// named in the policy's `approvals:` section. While it waits the task is
/// `waiting_approval`; `agenthost approvals approve ID` lets it go on.
public struct ApprovalRules: Sendable, Hashable {
    /// Typed tools as `plugin.id/tool` or a bare tool name (any plugin's).
    public var tools: Set<String> = []
    /// Capability names (`code.apply`).
    public var capabilities: Set<String> = []
    /// Model aliases.
    public var models: Set<String> = []

    public init(tools: Set<String> = [], capabilities: Set<String> = [], models: Set<String> = []) {
        self.tools = tools
        self.capabilities = capabilities
        self.models = models
    }

    public var isEmpty: Bool { tools.isEmpty && capabilities.isEmpty && models.isEmpty }

    func needsApproval(tool: String, of plugin: String) -> Bool { tools.contains(tool) || tools.contains("\(plugin)/\(tool)") }
}
