/// What `planner.decompose` answers.
struct Plan: Encodable, Sendable {
    struct Step: Encodable, Sendable {
        var index: Int
        /// "s1", "s2"...: the id the host's plan executor knows the step by.
        var id: String
        var action: String
        /// The step's object, e.g. the query for a research step.
        var query: String
        var capability: String
        var agent: String
        /// The capability's required fields: each one's declared default, or the step's query.
        var input: [String: String]
        /// Indices of the steps this one waits for.
        var dependsOn: [Int]
        /// The same, as step ids.
        var needs: [String]

        enum CodingKeys: String, CodingKey {
            case index, id, action, query, capability, agent, input, needs
            case dependsOn = "depends_on"
        }
    }

    struct Unassigned: Encodable, Sendable {
        var index: Int
        var action: String
        var reason: String
    }

    var goal: String
    var steps: [Step]
    var unassigned: [Unassigned]
}

/// What `planner.decompose` accepts.
struct DecomposeInput: Decodable, Sendable {
    var goal: String
    /// Keep at most this many clauses (the rest are reported as unassigned).
    var maxSteps: Int?

    enum CodingKeys: String, CodingKey {
        case goal
        case maxSteps = "max_steps"
    }
}
