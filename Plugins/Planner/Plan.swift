/// What `planner.decompose` answers.
struct Plan: Encodable, Sendable {
    struct Step: Encodable, Sendable {
        var index: Int
        var action: String
        /// The step's object, e.g. the query for a research step.
        var query: String
        var capability: String
        var agent: String
        var dependsOn: [Int]

        enum CodingKeys: String, CodingKey {
            case index, action, query, capability, agent
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
