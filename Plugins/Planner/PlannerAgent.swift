import AgentPluginKit
import Foundation

/// The Planner: `planner.plan` turns a goal into a graph of steps, each
/// assigned a capability the host says is available right now, with inputs
/// wired from earlier steps and the plan's critical path and cost from the
/// manifests' estimates; `planner.replan` takes a plan and the failure of one
/// of its steps and answers a plan that avoids it.
struct PlannerAgent: AgentPlugin {
    static let descriptor = AgentDescriptor(id: "agenthost.planner", name: "Planner", version: "0.2.0",
                                            capabilities: ["planner.plan", "planner.replan"], threadSafe: true)

    static var tools: [Tool] {
        [
            Tool("split_goal", states: [.planning, .executing], summary: "The goal's clauses, as a JSON array of strings.") { (goal: String) -> String in
                let clauses = GoalDecomposer.clauses(of: goal)
                guard let data = try? JSONEncoder().encode(clauses) else { return "[]" }
                return String(decoding: data, as: UTF8.self)
            },
            Tool("is_actionable", states: [.planning, .executing, .verifying],
                 summary: "Whether a clause starts with a verb the planner can assign.") { (clause: String) -> Bool in
                GoalDecomposer.isActionable(clause)
            },
            Tool("schedule_rounds", states: [.planning, .executing],
                 summary: "Rounds needed to run N independent steps on W workers; -1 if W < 1 or N < 0.") { (steps: Int64, workers: Int64) -> Int64 in
                guard workers >= 1, steps >= 0 else { return -1 }
                return steps / workers + (steps % workers == 0 ? 0 : 1)
            },
            Tool("max_speedup", states: [.planning, .executing],
                 summary: "Amdahl's bound 1/(1-p) for a plan whose parallel fraction is p in [0,1]; -1 outside it.") { (p: Double) -> Double in
                guard p >= 0, p <= 1 else { return -1 }
                return p == 1 ? .infinity : 1 / (1 - p)
            },
        ]
    }

    init(host: PluginHost) {
        host.log(.debug, "planner ready (host \(host.name) \(host.version))")
    }

    func handle(_ request: AgentRequest) throws -> AgentReply {
        switch request.capability {
        case "planner.plan": return try .encoding(plan(request))
        case "planner.replan": return try .encoding(replan(request))
        default: throw AgentError.unsupported("the planner has no capability '\(request.capability)'")
        }
    }

    /// What the host can route to, the planner itself left out: planning again would loop.
    private func available(_ request: AgentRequest) throws -> [AvailableCapability] {
        try request.availableCapabilities().filter { $0.agent != Self.descriptor.id }
    }

    private func plan(_ request: AgentRequest) throws -> Plan {
        let input = try request.decode(PlanInput.self)
        let goal = input.goal.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !goal.isEmpty else { throw AgentError.invalidArgument("planner.plan needs a non-empty \"goal\"") }
        if let maxSteps = input.maxSteps, maxSteps < 1 {
            throw AgentError.invalidArgument("planner.plan: \"max_steps\" must be 1 or more, got \(maxSteps)")
        }
        let available = try available(request)
        let candidates = available.map { AvailableCapabilityInfo(name: $0.name, agent: $0.agent, description: $0.description, keywords: $0.keywords) }

        var plan = Plan(goal: goal, steps: [], unassigned: [])
        let clauses = GoalDecomposer.clauses(of: goal)
        for (offset, clause) in clauses.enumerated() {
            let index = offset + 1
            if request.isCancelled { throw AgentError.cancelled("planner.plan cancelled after \(offset) of \(clauses.count) clauses") }
            if let maxSteps = input.maxSteps, plan.steps.count >= maxSteps {
                plan.unassigned.append(.init(index: index, action: clause, reason: "beyond max_steps (\(maxSteps))"))
                continue
            }
            let step = GoalDecomposer.step(from: clause)
            let ranked = GoalDecomposer.ranked(step, among: candidates)
            guard !ranked.isEmpty else {
                let reason = step.verb == nil
                    ? "no action verb the planner knows starts this step"
                    : "no available capability fits '\(step.verb!)'"
                plan.unassigned.append(.init(index: index, action: clause, reason: reason))
                continue
            }
            // The best-fitting capability whose input the plan can fill; a step
            // no capability's input can take is reported, never guessed.
            var chosen: (GoalDecomposer.Assignment, AvailableCapability)?
            var refusals: [String] = []
            for assignment in ranked {
                guard let capability = available.first(where: { $0.name == assignment.capability && $0.agent == assignment.agent }) else { continue }
                if let missing = Self.unfillable(capability, before: plan.steps, available: available) {
                    if !refusals.contains(missing) { refusals.append(missing) }
                    continue
                }
                chosen = (assignment, capability)
                break
            }
            guard let (assignment, capability) = chosen else {
                plan.unassigned.append(.init(index: index, action: clause,
                                             reason: "no capability can take this step as written: " + refusals.prefix(3).joined(separator: "; ")))
                continue
            }
            plan.steps.append(.init(index: index, id: "s\(index)", action: clause, query: step.object, capability: assignment.capability,
                                    agent: assignment.agent, agents: nil, input: [:], dependsOn: [], needs: [],
                                    estimatedMilliseconds: capability.estimatedMilliseconds, estimatedCost: capability.estimatedCost))
            request.reportProgress(Double(index) / Double(clauses.count), "assigned step \(index) to \(assignment.capability)")
        }
        guard !plan.steps.isEmpty else {
            let reasons = plan.unassigned.count == 1 && plan.unassigned[0].action == goal
                ? plan.unassigned[0].reason
                : plan.unassigned.map { "'\($0.action)': \($0.reason)" }.joined(separator: "; ")
            // The verbs whose family has a capability here that takes words: those are the steps it can plan.
            let families = Set(available.filter { $0.textInput != nil }.map { String($0.name.split(separator: ".").first ?? "") })
            let verbs = GoalDecomposer.verbFamilies.filter { families.contains($0.value) }.map(\.key).sorted().prefix(12)
            throw AgentError.invalidArgument("planner.plan cannot plan '\(goal)': \(reasons.isEmpty ? "the goal has no steps" : reasons). "
                + (verbs.isEmpty ? "No agent here takes a task in words."
                    : "Start each step with a verb whose agent here takes a task in words, e.g. \(verbs.joined(separator: ", "))."))
        }
        // Steps that only gather information side by side run at once; the rest wait for the stage before them.
        for (position, needs) in GoalDecomposer.dependencies(of: plan.steps.map(\.capability)).enumerated() {
            plan.steps[position].dependsOn = needs.map { plan.steps[$0].index }
            plan.steps[position].needs = needs.map { plan.steps[$0].id }
        }
        for position in plan.steps.indices { wireInputs(of: position, in: &plan, available: available) }
        plan.estimate()
        return plan
    }

    /// Why `capability` cannot take a step planned after `earlier`: a required
    /// field that is not its text input, has no default, and no earlier
    /// step's declared output gives. Nil when every required field can be filled.
    static func unfillable(_ capability: AvailableCapability, before earlier: [Plan.Step], available: [AvailableCapability]) -> String? {
        for field in capability.requiredInputs where field.name != capability.textInput && field.defaultValue == nil {
            let produced = earlier.contains { step in available.first { $0.name == step.capability }?.outputFields.contains(field.name) == true }
            if produced { continue }
            let allowed = capability.allowedValues(of: field.name).map { " (one of \($0.joined(separator: ", ")))" } ?? ""
            let words = capability.textInput == nil ? "takes no task in words" : "takes the words in '\(capability.textInput!)'"
            return "\(capability.name) \(words) and needs '\(field.name)'\(allowed), which no earlier step's answer gives"
        }
        return nil
    }

    /// Fills a step's required input fields: the text input with the step's
    /// own words; any other from the nearest earlier step it waits for
    /// (directly or not) whose output declares the field, else the field's
    /// default, else the nearest earlier step of all that declares it (which
    /// the step then waits for).
    private func wireInputs(of position: Int, in plan: inout Plan, available: [AvailableCapability]) {
        let step = plan.steps[position]
        guard let capability = available.first(where: { $0.name == step.capability && $0.agent == step.agent })
                ?? available.first(where: { $0.name == step.capability }) else { return }
        var earlier: [Int] = []
        var queue = step.needs
        while let id = queue.popLast() {
            guard let found = plan.steps.firstIndex(where: { $0.id == id }), !earlier.contains(found) else { continue }
            earlier.append(found)
            queue += plan.steps[found].needs
        }
        earlier.sort(by: >)
        func outputs(_ index: Int, _ field: String) -> Bool {
            available.first { $0.name == plan.steps[index].capability }?.outputFields.contains(field) == true
        }
        var fields: [String: String] = [:]
        for field in capability.requiredInputs {
            if field.name == capability.textInput {
                fields[field.name] = step.query.isEmpty ? step.action : step.query
            } else if let producer = earlier.first(where: { outputs($0, field.name) }), field.defaultValue == nil {
                fields[field.name] = "{{steps.\(plan.steps[producer].id).result.\(field.name)}}"
            } else if let value = field.defaultValue {
                fields[field.name] = value
            } else if let producer = (0..<position).reversed().first(where: { outputs($0, field.name) }) {
                fields[field.name] = "{{steps.\(plan.steps[producer].id).result.\(field.name)}}"
                plan.steps[position].needs.append(plan.steps[producer].id)
                plan.steps[position].dependsOn.append(plan.steps[producer].index)
            }
        }
        plan.steps[position].input = fields
    }

    private func replan(_ request: AgentRequest) throws -> Plan {
        let input = try request.decode(ReplanInput.self)
        var plan = input.plan
        guard let position = plan.steps.firstIndex(where: { $0.id == input.failure.step }) else {
            throw AgentError.invalidArgument("planner.replan: the plan has no step '\(input.failure.step)'; its steps are "
                + plan.steps.map(\.id).joined(separator: ", "))
        }
        let failed = plan.steps[position]
        let failedAgent = input.failure.agent ?? failed.agent
        let available = try available(request)
        var changes: [String] = []
        let why = input.failure.error.map { " (\($0))" } ?? ""
        // First choice: the same capability from another agent. Then another capability that fits the step.
        let others = available.filter { $0.name == failed.capability && $0.agent != failedAgent }
        if let other = others.first {
            plan.steps[position].agent = other.agent
            plan.steps[position].agents = others.map(\.agent)
            plan.steps[position].estimatedMilliseconds = other.estimatedMilliseconds
            plan.steps[position].estimatedCost = other.estimatedCost
            changes.append("\(failed.id) '\(failed.action)': \(failed.capability) moves from \(failedAgent) to \(other.agent), which failed\(why)")
        } else {
            let step = GoalDecomposer.step(from: failed.action)
            let candidates = available.filter { $0.name != failed.capability }
                .map { AvailableCapabilityInfo(name: $0.name, agent: $0.agent, description: $0.description, keywords: $0.keywords) }
            let earlier = Array(plan.steps[..<position])
            let fitting = GoalDecomposer.ranked(step, among: candidates).first { assignment in
                available.first { $0.name == assignment.capability && $0.agent == assignment.agent }
                    .map { Self.unfillable($0, before: earlier, available: available) == nil } ?? false
            }
            guard let assignment = fitting else {
                throw AgentError.unavailable("planner.replan cannot avoid the failure of \(failed.id) '\(failed.action)'\(why): no other agent "
                    + "offers \(failed.capability), and no other capability fits the step. Install an agent for it, or change the goal.")
            }
            let capability = available.first { $0.name == assignment.capability && $0.agent == assignment.agent }
            plan.steps[position].capability = assignment.capability
            plan.steps[position].agent = assignment.agent
            plan.steps[position].agents = nil
            plan.steps[position].estimatedMilliseconds = capability?.estimatedMilliseconds
            plan.steps[position].estimatedCost = capability?.estimatedCost
            wireInputs(of: position, in: &plan, available: available)
            changes.append("\(failed.id) '\(failed.action)': \(failed.capability) (which failed\(why)) is replaced by \(assignment.capability) of \(assignment.agent)")
        }
        plan.changes = changes
        plan.estimate()
        return plan
    }
}

@_cdecl("agenthost_swift_plugin")
public func agenthostSwiftPlugin() -> UnsafeRawPointer { AgentPluginExport.functions(for: PlannerAgent.self) }
