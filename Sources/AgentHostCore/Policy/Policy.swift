import Foundation

/// What the operator allows: guardrails for every agent and for particular
/// agents, and how far handoffs may go. Read from a policy file at start
/// (`PolicyFile`), or the built-in defaults.
public struct Policy: Sendable {
    /// Guardrails for agents without a section of their own.
    public var global: Guardrails
    /// Per agent id, the global guardrails with the agent's section laid over.
    public var agents: [String: Guardrails]
    /// How many handoffs one task may go through before the host stops it.
    public var handoffDepthLimit: Int
    /// What workflow runs may use: steps, agents, concurrency.
    public var orchestration: OrchestrationLimits = .unlimited
    /// The folder plugins work in: `$WORKSPACE` in a manifest's paths, where
    /// their relative paths and their programs start. The host's working
    /// folder unless the policy or `--workspace` names one.
    public var workspace: String = FileManager.default.currentDirectoryPath {
        didSet { workspaceIsNamed = true }
    }
    /// Whether `workspace` was set (by a policy file or a caller) rather than defaulted.
    public private(set) var workspaceIsNamed = false
    /// What the operator says about particular plugins: trust, isolation,
    /// limits, capability takeover.
    public var plugins: [String: PluginPolicy] = [:]
    /// Whether and how routing weighs what the store recorded.
    public var routing = RoutingPolicy()
    /// The folder that holds each plugin's private data folder (`$PLUGIN_DATA`
    /// in its paths is `pluginData/PLUGIN_ID`); nil when the host has none,
    /// and then such paths are refused. The CLI sets it beside the task database.
    public var pluginData: String?
    /// The models plugins may use, by alias (the `models:` section).
    public var models: [String: ModelEndpoint] = [:]
    /// Hard limits on runs, tasks and agents.
    public var budgets = BudgetPolicy()
    /// What needs a person's approval first.
    public var approvals = ApprovalRules()
    /// Where spans are exported.
    public var telemetry = TelemetryPolicy()
    /// The file this policy was read from, if any.
    public var source: String?

    public init(global: Guardrails = .standard, agents: [String: Guardrails] = [:], handoffDepthLimit: Int = 4,
                source: String? = nil) {
        self.global = global
        self.agents = agents
        self.handoffDepthLimit = handoffDepthLimit
        self.source = source
    }

    public static let standard = Policy()

    public func guardrails(for agent: String) -> Guardrails { agents[agent] ?? global }
}
