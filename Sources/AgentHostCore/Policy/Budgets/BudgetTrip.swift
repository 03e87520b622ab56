/// A budget that was reached, or the loop guard: the typed error that stops
/// an agent's work. Its description names the budget, the limit and what was used.
public struct BudgetTrip: Error, Sendable, Hashable, CustomStringConvertible {
    /// Whose budget: the run's, the task's, or one agent's.
    public enum Scope: Sendable, Hashable {
        case run
        case task
        case agent(String)

        var name: String {
            switch self {
            case .run: "run"
            case .task: "task"
            case .agent(let id): "agent \(id)"
            }
        }

        var prefix: String {
            switch self {
            case .run: "run"
            case .task: "task"
            case .agent: "agent"
            }
        }
    }

    public var scope: Scope
    /// The limit's key: tokens, cost, model_calls, tool_calls, turns, wall_seconds; or loop_guard.
    public var key: String
    public var limit: String
    public var used: String
    /// The agent whose work tripped it.
    public var agent: String

    /// How the budget is named in messages and events: `run.cost`, `agent.tool_calls`, `loop_guard`.
    public var budget: String { key == "loop_guard" ? key : "\(scope.prefix).\(key)" }

    public var description: String {
        if key == "loop_guard" {
            return "loop_guard tripped: '\(agent)' \(used) (the limit is \(limit)); the agent is stuck, so its work stops here"
        }
        return "budget \(budget) reached: \(used) used of \(limit) (the \(scope.name)'s budget, while '\(agent)' worked); "
            + "raise it in the policy's budgets, the workflow's budget or the role file's budget if this is expected"
    }
}
