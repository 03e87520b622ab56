/// What `planner.plan` and `planner.replan` answer: a graph of steps the
/// host's plan executor runs (`agenthost plan --run`), with estimates.
struct Plan: Codable, Sendable {
    struct Step: Codable, Sendable {
        var index: Int
        /// "s1", "s2"...: the id the host's plan executor knows the step by.
        var id: String
        var action: String
        /// The step's object, e.g. the query for a research step.
        var query: String
        var capability: String
        var agent: String
        /// When set, only these agents may take the step (a replan avoiding one that failed).
        var agents: [String]?
        /// The capability's required fields: a `{{steps.ID.result.FIELD}}` reference to an
        /// earlier step whose output declares the field, the field's default, or the step's query.
        var input: [String: String]
        /// Indices of the steps this one waits for.
        var dependsOn: [Int]
        /// The same, as step ids.
        var needs: [String]
        /// From the capability's manifest; nil when it declares none.
        var estimatedMilliseconds: Double?
        var estimatedCost: Double?

        enum CodingKeys: String, CodingKey {
            case index, id, action, query, capability, agent, agents, input, needs
            case dependsOn = "depends_on"
            case estimatedMilliseconds = "estimated_ms"
            case estimatedCost = "estimated_cost"
        }
    }

    struct Unassigned: Codable, Sendable {
        var index: Int
        var action: String
        var reason: String
    }

    var goal: String
    var steps: [Step]
    var unassigned: [Unassigned]
    /// The longest chain of waiting steps, by estimated time: what bounds the plan's duration.
    var criticalPath: [String]?
    var estimatedMilliseconds: Double?
    var estimatedCost: Double?
    /// What a replan changed, in words.
    var changes: [String]?

    enum CodingKeys: String, CodingKey {
        case goal, steps, unassigned, changes
        case criticalPath = "critical_path"
        case estimatedMilliseconds = "estimated_ms"
        case estimatedCost = "estimated_cost"
    }

    /// Sets the critical path and the totals from the steps' estimates.
    mutating func estimate() {
        var finish: [String: (Double, [String])] = [:]
        for step in steps {  // steps only need earlier steps, so one pass in order suffices
            let before = step.needs.compactMap { finish[$0] }.max { $0.0 < $1.0 } ?? (0, [])
            finish[step.id] = (before.0 + (step.estimatedMilliseconds ?? 0), before.1 + [step.id])
        }
        let longest = finish.values.max { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1.count < $1.1.count) } ?? (0, [])
        estimatedMilliseconds = longest.0
        criticalPath = longest.1
        estimatedCost = steps.reduce(0) { $0 + ($1.estimatedCost ?? 0) }
    }
}

/// What `planner.plan` accepts.
struct PlanInput: Decodable, Sendable {
    var goal: String
    /// Keep at most this many clauses (the rest are reported as unassigned).
    var maxSteps: Int?

    enum CodingKeys: String, CodingKey {
        case goal
        case maxSteps = "max_steps"
    }
}

/// What `planner.replan` accepts: the plan that failed and how.
struct ReplanInput: Decodable, Sendable {
    struct Failure: Decodable, Sendable {
        /// The failed step's id ("s2").
        var step: String
        /// The agent that failed it, when known (else the plan's assignment).
        var agent: String?
        var error: String?
    }

    var plan: Plan
    var failure: Failure
}
