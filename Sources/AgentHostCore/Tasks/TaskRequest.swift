import Tracing

/// A task to run: what to do (a capability, or free text to route), the
/// payload, and the envelope of the call.
public struct TaskRequest: Sendable {
    public enum Target: Sendable, Hashable {
        /// A capability by its exact name: `knowledge.search`.
        case capability(String)
        /// Free text, routed by the capabilities' declared keywords.
        case text(String)
    }

    public var target: Target
    /// UTF-8 JSON, passed to the agent as it is (unless a guardrail redacts it).
    public var payload: [UInt8]
    /// The state the agent works in; tools are masked by it, and DELEGATE
    /// actions are accepted in EXECUTING only.
    public var state: AgentState
    public var timeout: Duration?
    public var cancellation: CancellationToken?
    /// The run's shared memory; the host's own when nil.
    public var context: SharedContext?
    /// Called, on the plugin's thread, for each progress report.
    public var progress: (@Sendable (ProgressReport) -> Void)?
    /// The span the task's `invoke_agent` span is a child of (a run's attempt, a caller's trace); a new trace when nil.
    public var traceContext: InstrumentationContext?

    /// Only these agents may take the task (a DELEGATE's agent type, a
    /// handoff's target, or a caller's choice); nil lets the router choose
    /// among all.
    public var agents: Set<String>?
    /// For free text: the capability it was routed to already (a workflow
    /// step's at plan time, a DELEGATE block's when the message was checked),
    /// so a task of it on its one agent is found by name, not routed again;
    /// the words still go into its text input. `routedReason` says why it went there.
    var routedCapability: String?
    var routedReason: String?
    var parentID: Int64?
    var origin: TaskOrigin = .submitted
    /// The workflow run and step this task is an attempt of.
    var runID: Int64?
    var step: String?
    /// The run's ledger (budgets, model answers to replay); a task outside a run gets its own.
    var ledger: WorkLedger?

    public init(_ target: Target, payload: [UInt8] = Array("{}".utf8), state: AgentState = .executing,
                timeout: Duration? = nil, cancellation: CancellationToken? = nil, context: SharedContext? = nil,
                progress: (@Sendable (ProgressReport) -> Void)? = nil) {
        self.target = target
        self.payload = payload
        self.state = state
        self.timeout = timeout
        self.cancellation = cancellation
        self.context = context
        self.progress = progress
    }

    public init(capability: String, json: String, state: AgentState = .executing) {
        self.init(.capability(capability), payload: Array(json.utf8), state: state)
    }
}
