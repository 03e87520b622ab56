/// The policy's look at a validated plan before it runs: too many steps or
/// agents, more concurrency than allowed. Missing capabilities are already
/// refused by validation.
public enum PlanCheck {
    /// Every limit `plan` breaks, in words; empty when it may run.
    public static func violations(of plan: WorkflowPlan, limits: OrchestrationLimits) -> [String] {
        var reasons: [String] = []
        let workflow = plan.workflow
        if let max = limits.maxSteps, plan.steps.count > max {
            reasons.append("it has \(plan.steps.count) steps, over the limit of \(max) (max_steps)")
        }
        if let max = limits.maxAgents, plan.agents.count > max {
            reasons.append("it may use \(plan.agents.count) agents (\(plan.agents.sorted().joined(separator: ", "))), over the limit of \(max) (max_agents)")
        }
        if let max = limits.maxConcurrency, workflow.concurrency > max {
            reasons.append("it asks for concurrency \(workflow.concurrency), over the limit of \(max) (max_concurrency)")
        }
        return reasons
    }
}
