import Tracing

/// How one run is carried out.
public struct RunOptions: Sendable {
    public enum Persistence: Sendable {
        /// Every attempt, checkpoint and result is written to the store, and
        /// the run can be resumed after its host stops. The default.
        case checkpointed
        /// Nothing of the run is written (tasks its agents delegate still
        /// are); it cannot be resumed. For short runs where speed matters
        /// more than a record.
        case inMemory
    }

    public var persistence: Persistence
    /// Values for the workflow's `inputs`, over its defaults.
    public var inputs: [String: String]
    /// Called on the orchestrating thread as steps start and end; keep it short.
    public var progress: (@Sendable (RunProgress) -> Void)?
    /// Called, on the agent's thread, with the progress a step's agent reports (the step's id first).
    public var stepProgress: (@Sendable (String, ProgressReport) -> Void)?
    /// Cancels the steps in flight and stops the run.
    public var cancellation: CancellationToken?
    /// The run's shared memory; a new one per run when nil.
    public var context: SharedContext?
    /// The span the run's span is a child of (a caller's trace); a new trace when nil.
    public var traceContext: InstrumentationContext?

    public init(persistence: Persistence = .checkpointed, inputs: [String: String] = [:],
                progress: (@Sendable (RunProgress) -> Void)? = nil, cancellation: CancellationToken? = nil,
                context: SharedContext? = nil) {
        self.persistence = persistence
        self.inputs = inputs
        self.progress = progress
        self.cancellation = cancellation
        self.context = context
    }
}

/// What a run reports while it runs.
public enum RunProgress: Sendable {
    /// A step's attempt started on `agent`.
    case started(step: String, attempt: Int, agent: String)
    /// A step's attempt ended; `problem` says why when it did not complete.
    case ended(step: String, attempt: Int, agent: String, outcome: StepAttempt.Outcome, problem: String?, microseconds: Int64)
    /// A failed step goes back to the last checkpoint and tries `next`.
    case backtracked(step: String, checkpoint: Int, next: String)
    /// A step restored from a checkpoint when the run resumed: it does not run again.
    case restored(step: String, status: StepStatus)
    /// A step that did not run, and why.
    case skipped(step: String, reason: String)
}
