import Foundation

/// Runs workflows: validates them against the host, checks them against the
/// policy, then executes their graph of steps with checkpoints in the store,
/// backtracking to the last good checkpoint when a step fails or its answer
/// is rejected. One orchestrator per host; its leases and pools are shared by
/// every run it carries out. Any thread may call it.
public final class Orchestrator: Sendable {
    public let runtime: AgentRuntime
    /// Leases on named resources and the pools of the policy's limits, shared by all runs.
    public let leases: LeaseManager
    /// The policy's limits (a workflow may set tighter ones for itself).
    public let limits: OrchestrationLimits
    let workers = DispatchQueue(label: "agenthost.orchestrator", attributes: .concurrent)

    public init(runtime: AgentRuntime, limits: OrchestrationLimits? = nil) {
        self.runtime = runtime
        let limits = limits ?? runtime.host.policy.orchestration
        self.limits = limits
        leases = LeaseManager(store: runtime.store)
        if let perAgent = limits.perAgentConcurrency {
            for plugin in runtime.host.registry.plugins { leases.setCapacity(perAgent, for: Self.agentPool(plugin.id)) }
        }
        if let steps = limits.maxConcurrency { leases.setCapacity(steps, for: Self.stepPool) }
    }

    static let stepPool = "pool:steps"
    static func agentPool(_ agent: String) -> String { "pool:agent:\(agent)" }

    /// Checks `workflow` against the host and the policy without running it.
    public func validate(_ workflow: Workflow, inputs: [String: String] = [:], source: String? = nil) throws(OrchestrationError) -> WorkflowPlan {
        var workflow = workflow
        workflow.inputs.merge(inputs) { _, given in given }
        let plan: WorkflowPlan
        do throws(WorkflowValidationError) {
            plan = try WorkflowPlan(workflow, host: runtime.host, source: source)
        } catch {
            throw .invalid(error)
        }
        let reasons = PlanCheck.violations(of: plan, limits: limits.tightened(by: workflow.limits))
        guard reasons.isEmpty else { throw .refused(workflow: workflow.name, reasons: reasons) }
        return plan
    }

    /// Validates, checks and runs `workflow` to the end. Throws when it cannot
    /// start, or when the store refuses a write (the run can then be resumed).
    public func run(_ workflow: Workflow, options: RunOptions = RunOptions(), source: String? = nil) throws(OrchestrationError) -> RunReport {
        let plan = try validate(workflow, inputs: options.inputs, source: source)
        return try run(plan, options: options)
    }

    /// Runs a plan `validate` made, e.g. the same workflow many times over:
    /// checking it again would cost more than running a short one. The
    /// plan's inputs were filled in by `validate`; `options.inputs` is not read.
    public func run(_ plan: WorkflowPlan, options: RunOptions = RunOptions()) throws(OrchestrationError) -> RunReport {
        try io { () throws(StoreError) in
            // The run is written with its first steps' starts, in one transaction.
            let newRun = options.persistence == .checkpointed
                ? TaskStore.NewRun(name: plan.workflow.name, mode: plan.workflow.mode.rawValue, workflow: plan.encoded,
                                   mainTask: Self.mainTaskRow(of: plan.workflow))
                : nil
            let execution = RunExecution(orchestrator: self, plan: plan, options: options, newRun: newRun)
            let began = WallClock.nanoseconds()
            let report = try execution.execute()
            HostMetrics.shared.runEnded(mode: plan.workflow.mode.rawValue, status: report.status, nanoseconds: WallClock.nanoseconds() - began)
            return report
        }
    }

    /// Resumes run `id`, whose host stopped or died: it is claimed for this
    /// host first (refused while a live host holds it, or another `resume`
    /// has claimed it), its open tasks are closed as interrupted, steps with
    /// a checkpoint keep their results and do not run again, and the others
    /// run as they would have.
    public func resume(run id: Int64, options: RunOptions = RunOptions()) throws(OrchestrationError) -> RunReport {
        let store = runtime.store
        guard let stored = try io({ () throws(StoreError) in try store.run(id: id) }) else { throw .unknownRun(id) }
        guard stored.status.isResumable else { throw .notResumable(id, stored.status) }
        let workflow: Workflow
        do {
            workflow = try JSONDecoder().decode(Workflow.self, from: stored.workflow)
        } catch {
            throw .unreadableRun(id, "is not a workflow this host reads: \(error)")
        }
        let plan = try validate(workflow, source: "run \(id)")
        var options = options
        options.persistence = .checkpointed
        // Checked and taken in one write transaction: of two resumes at once, one wins.
        switch try io({ () throws(StoreError) in try store.claim(run: id) }) {
        case .claimed: break
        case .held(let host): throw .held(id, by: host.describe())
        case .ended(let status): throw .notResumable(id, status)
        case .missing: throw .unknownRun(id)
        }
        return try io { () throws(StoreError) in
            _ = try store.closeInterrupted(run: id)
            let execution = RunExecution(orchestrator: self, plan: plan, options: options, resuming: id, mainTaskID: stored.mainTaskId)
            execution.restore(checkpoints: try store.checkpoints(of: id), attempts: try store.attempts(of: id))
            let began = WallClock.nanoseconds()
            let report = try execution.execute()
            HostMetrics.shared.runEnded(mode: plan.workflow.mode.rawValue, status: report.status, nanoseconds: WallClock.nanoseconds() - began)
            return report
        }
    }

    private func io<T>(_ body: () throws(StoreError) -> T) throws(OrchestrationError) -> T {
        do {
            return try body()
        } catch {
            throw .store(error)
        }
    }

    /// The task that stands for a hierarchical run; its subtasks are the steps.
    private static func mainTaskRow(of workflow: Workflow) -> TaskStore.NewTask? {
        guard workflow.mode == .hierarchical else { return nil }
        let now = WallClock.microseconds()
        return TaskStore.NewTask(parentID: nil, origin: .workflow, capability: nil, query: workflow.main ?? workflow.name,
                                 payload: Array("{}".utf8), agentState: nil, status: .inProgress, createdUs: now, startedUs: now,
                                 step: "main")
    }
}
