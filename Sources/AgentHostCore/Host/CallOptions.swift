import Synchronization
import Tracing

/// The envelope and hooks of one agent call, beyond its capability and payload.
public struct CallOptions: Sendable {
    public var taskID: String
    /// The state the agent is in for this call; tools are masked by it.
    public var state: AgentState
    /// Cancel the call when it has run this long (the plugin sees it through
    /// `is_cancelled` and the request's deadline).
    public var timeout: Duration?
    public var cancellation: CancellationToken?
    /// The run's shared memory; the host's own when nil.
    public var context: SharedContext?
    /// Called, on the plugin's thread, for each progress report.
    public var progress: (@Sendable (ProgressReport) -> Void)?
    /// What the run has used against its budgets; delegated calls share their parent's.
    public var ledger: WorkLedger?
    /// The workflow step this call is an attempt of, for the model answers a resumed run replays.
    public var step: String?
    /// The span this call runs in: its tool calls, model calls and delegations are its children,
    /// and the plugin is given its W3C trace context.
    public var traceContext: InstrumentationContext?

    public init(taskID: String = "", state: AgentState = .executing, timeout: Duration? = nil,
                cancellation: CancellationToken? = nil, context: SharedContext? = nil,
                progress: (@Sendable (ProgressReport) -> Void)? = nil) {
        self.taskID = taskID
        self.state = state
        self.timeout = timeout
        self.cancellation = cancellation
        self.context = context
        self.progress = progress
    }
}

/// A progress report from a plugin.
public struct ProgressReport: Sendable, Hashable {
    /// From 0 to 1; nil when the plugin cannot tell.
    public var fraction: Double?
    public var message: String

    public init(fraction: Double?, message: String) {
        self.fraction = fraction
        self.message = message
    }
}

/// Lets one party cancel calls that another is running; plugins poll it.
public final class CancellationToken: Sendable {
    private let flag = Atomic<Bool>(false)
    public init() {}
    public func cancel() { flag.store(true, ordering: .releasing) }
    public var isCancelled: Bool { flag.load(ordering: .acquiring) }
}
