import GRDB

/// Something that happened during a task and that a person may want to see
/// later: the route taken, a handoff, a refused tool or permission, a guardrail.
public struct TaskEvent: Sendable, Hashable, Codable, FetchableRecord, TableRecord {
    public static let databaseTableName = "task_event"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase

    public enum Kind: String, Sendable, Codable, CaseIterable {
        case routed
        case stateChanged = "state_changed"
        case handoff
        case delegated
        case toolCalled = "tool_called"
        case toolMasked = "tool_masked"
        case permissionDenied = "permission_denied"
        case handoffRefused = "handoff_refused"
        case guardrailRedacted = "guardrail_redacted"
        case guardrailTripped = "guardrail_tripped"
        /// The plugin's process crashed, hung, ran out of a limit or is quarantined.
        case pluginFault = "plugin_fault"
        /// A host callback refused what the plugin passed (a length past a limit, not UTF-8, not JSON).
        case callbackRefused = "callback_refused"
        /// A model call through the model service (its usage is in `model_call`).
        case modelCalled = "model_called"
        /// The model asked for a tool the agent may not call now; the host told it so.
        case modelToolRefused = "model_tool_refused"
        /// A budget or the loop guard stopped the agent's work.
        case budgetTripped = "budget_tripped"
        /// A step waited for a person's decision, or got it.
        case approvalRequested = "approval_requested"
        case approvalDecided = "approval_decided"
    }

    public var taskId: Int64?
    public var atUs: Int64
    public var kind: Kind
    public var agent: String?
    /// What happened, in words; never the secret a guardrail matched.
    public var detail: String

    public init(taskId: Int64?, atUs: Int64 = WallClock.microseconds(), kind: Kind, agent: String?, detail: String) {
        self.taskId = taskId
        self.atUs = atUs
        self.kind = kind
        self.agent = agent
        self.detail = detail
    }
}
