extension Workflow {
    /// A `plan` workflow from a Planner's answer: `{"goal", "steps": [{"id",
    /// "capability", "input", "needs", "agents"?}], "unassigned": [...]}`, as
    /// `planner.plan` and `planner.replan` return it. Checking it against the host (cycles,
    /// unknown capabilities, missing inputs) is ``WorkflowPlan``'s job, as for
    /// any workflow.
    public init(plan answer: [UInt8], concurrency: Int = 8) throws(JSONValueError) {
        let json = try JSONValue(parsing: answer)
        guard case .array(let steps)? = json.value(at: ["steps"]) else {
            throw JSONValueError(problem: "a plan is a JSON object with a \"steps\" array; got \(String(decoding: answer.prefix(200), as: UTF8.self))")
        }
        self.init(name: json.value(at: ["goal"])?.text ?? "plan", mode: .plan, concurrency: concurrency)
        for (position, step) in steps.enumerated() {
            guard case .string(let id)? = step.value(at: ["id"]) ?? step.value(at: ["index"]).map({ .string("s" + $0.text) }),
                  case .string(let capability)? = step.value(at: ["capability"]) else {
                throw JSONValueError(problem: "plan step \(position + 1) lacks an \"id\" or a \"capability\"")
            }
            var needs: [String] = []
            if case .array(let list)? = step.value(at: ["needs"]) { needs = list.map(\.text) }
            var planned = WorkflowStep(id: id, capability: capability, input: step.value(at: ["input"]) ?? .object([:]), needs: needs)
            // A replan names the agents that may take a step (avoiding one that failed).
            if case .array(let agents)? = step.value(at: ["agents"]) { planned.agents = agents.map(\.text) }
            self.steps.append(planned)
        }
        if case .array(let unassigned)? = json.value(at: ["unassigned"]) {
            unassignedSteps = unassigned.map { item in
                "\(item.value(at: ["action"])?.text ?? "?"): \(item.value(at: ["reason"])?.text ?? "no reason given")"
            }
        }
        retryBudget = max(4, 2 * self.steps.count)
    }
}
