import AgentPluginKit
import Foundation

/// The Planner: `planner.decompose` turns a goal into ordered steps, each
/// assigned a capability the host says is available right now.
struct PlannerAgent: AgentPlugin {
    static let descriptor = AgentDescriptor(id: "agenthost.planner", name: "Planner", version: "0.1.0",
                                            capabilities: ["planner.decompose"], threadSafe: true)

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
        case "planner.decompose": return try .encoding(decompose(request))
        default: throw AgentError.unsupported("the planner has no capability '\(request.capability)'")
        }
    }

    private func decompose(_ request: AgentRequest) throws -> Plan {
        let input = try request.decode(DecomposeInput.self)
        let goal = input.goal.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !goal.isEmpty else { throw AgentError.invalidArgument("planner.decompose needs a non-empty \"goal\"") }
        if let maxSteps = input.maxSteps, maxSteps < 1 {
            throw AgentError.invalidArgument("planner.decompose: \"max_steps\" must be 1 or more, got \(maxSteps)")
        }
        // The planner never plans work for itself: decomposing again would loop.
        let available = try request.availableCapabilities()
            .filter { $0.agent != Self.descriptor.id }
            .map { AvailableCapabilityInfo(name: $0.name, agent: $0.agent, description: $0.description, requiredInputs: $0.requiredInputs) }

        var plan = Plan(goal: goal, steps: [], unassigned: [])
        let clauses = GoalDecomposer.clauses(of: goal)
        for (offset, clause) in clauses.enumerated() {
            let index = offset + 1
            if request.isCancelled { throw AgentError.cancelled("planner.decompose cancelled after \(offset) of \(clauses.count) clauses") }
            if let maxSteps = input.maxSteps, plan.steps.count >= maxSteps {
                plan.unassigned.append(.init(index: index, action: clause, reason: "beyond max_steps (\(maxSteps))"))
                continue
            }
            let step = GoalDecomposer.step(from: clause)
            guard let assignment = GoalDecomposer.assign(step, among: available) else {
                let reason = step.verb == nil
                    ? "no action verb the planner knows starts this step"
                    : "no available capability fits '\(step.verb!)'"
                plan.unassigned.append(.init(index: index, action: clause, reason: reason))
                continue
            }
            let required = available.first { $0.name == assignment.capability && $0.agent == assignment.agent }?.requiredInputs ?? []
            var fields: [String: String] = [:]
            for field in required where field.type == nil || field.type == "string" {
                fields[field.name] = field.defaultValue ?? (step.object.isEmpty ? clause : step.object)
            }
            plan.steps.append(.init(index: index, id: "s\(index)", action: clause, query: step.object, capability: assignment.capability,
                                    agent: assignment.agent, input: fields, dependsOn: [], needs: []))
            request.reportProgress(Double(index) / Double(clauses.count), "assigned step \(index) to \(assignment.capability)")
        }
        // Steps that only gather information side by side run at once; the rest wait for the stage before them.
        for (position, needs) in GoalDecomposer.dependencies(of: plan.steps.map(\.capability)).enumerated() {
            plan.steps[position].dependsOn = needs.map { plan.steps[$0].index }
            plan.steps[position].needs = needs.map { plan.steps[$0].id }
        }
        return plan
    }
}

@_cdecl("agenthost_swift_plugin")
public func agenthostSwiftPlugin() -> UnsafeRawPointer { AgentPluginExport.functions(for: PlannerAgent.self) }
