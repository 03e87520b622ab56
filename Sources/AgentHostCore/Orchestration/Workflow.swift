/// Several agents working as a team: steps, how they run together, and how
/// their results become the run's result. Read from a workflow file
/// (``WorkflowFile``), made from a Planner's plan (``Workflow/init(plan:)``),
/// or built in code; ``Orchestrator`` runs it.
///
/// Every mode becomes a graph of steps before it runs:
/// - `sequential`: each step comes after the one before it. A step that
///   fails stops the run when it is `strict`; otherwise the failure is
///   recorded and the next step runs (unless it refers to the failed one).
/// - `parallel`: steps run at once, at most `concurrency` at a time; a
///   failure stays with its step.
/// - `hierarchical`: a main task whose subtasks (the steps) run like
///   `parallel`, then `aggregate` makes the main task's result.
/// - `consensus`: `consensus.voters` answers to one question, voted.
/// - `plan`: a graph whose edges are the steps' `needs`, run with as much
///   parallelism as the graph and `concurrency` allow.
public struct Workflow: Sendable, Hashable, Codable {
    public enum Mode: String, Sendable, Hashable, Codable, CaseIterable {
        case sequential, parallel, hierarchical, consensus, plan
    }

    public var name: String
    public var mode: Mode
    public var steps: [WorkflowStep]
    /// Most steps in flight at once.
    public var concurrency: Int
    /// Values for `{{inputs.NAME}}` references, overridable when the run starts.
    public var inputs: [String: String]
    /// What the main task of a hierarchical run is for, in words.
    public var main: String?
    /// How a hierarchical run joins its subtasks' results.
    public var aggregate: Aggregation?
    public var consensus: ConsensusSpec?
    /// Attempts the whole run may spend beyond each step's first.
    public var retryBudget: Int
    /// How contradictory answers to the same question are settled.
    public var conflicts: ConflictResolution
    /// Limits this workflow sets for itself, on top of the host policy's.
    public var limits: OrchestrationLimits
    /// The run's budget, laid over the policy's `budgets.run` (nil: the policy's alone).
    public var budget: Budget?
    /// Parts of a goal a Planner could not turn into steps, with its reasons.
    public var unassignedSteps: [String] = []

    public init(name: String, mode: Mode, steps: [WorkflowStep] = [], concurrency: Int = 8, inputs: [String: String] = [:],
                main: String? = nil, aggregate: Aggregation? = nil, consensus: ConsensusSpec? = nil, retryBudget: Int? = nil,
                conflicts: ConflictResolution = .vote, limits: OrchestrationLimits = .unlimited) {
        self.name = name
        self.mode = mode
        self.steps = steps
        self.concurrency = concurrency
        self.inputs = inputs
        self.main = main
        self.aggregate = aggregate
        self.consensus = consensus
        self.retryBudget = retryBudget ?? max(4, 2 * steps.count)
        self.conflicts = conflicts
        self.limits = limits
    }
}
