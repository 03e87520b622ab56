import CAgentHost

/// Budgets are checked where work is about to be spent: before each agent
/// call (turns), each model call (everything), and each tool call.
extension AgentHost {
    /// The budget of agent `id`: the policy's `budgets.agents` entry with its role file's `budget:` laid over it.
    func budget(ofAgent id: String) -> Budget {
        (policy.budgets.agents[id] ?? .unlimited).overlaid(with: registry.role(of: id)?.budget ?? .unlimited)
    }

    /// The first budget `call`'s work has reached: its task's, its agent's in the run, the run's.
    func budgetTrip(for call: ActiveCall) -> BudgetTrip? {
        if let trip = call.trip { return trip }
        let agent = call.plugin.id
        let own = call.work.withLock { $0.usage }
        let taskSeconds = Double(WallClock.nanoseconds() - call.startedNanoseconds) / 1e9
        if let hit = policy.budgets.task.reached(by: own, elapsedSeconds: taskSeconds) {
            return BudgetTrip(scope: .task, key: hit.key, limit: hit.limit, used: hit.used, agent: agent)
        }
        let agentBudget = budget(ofAgent: agent)
        guard let ledger = call.ledger else {
            return agentBudget.reached(by: own, elapsedSeconds: taskSeconds)
                .map { BudgetTrip(scope: .agent(agent), key: $0.key, limit: $0.limit, used: $0.used, agent: agent) }
        }
        if let hit = agentBudget.reached(by: ledger.usage(of: agent), elapsedSeconds: ledger.elapsedSeconds(agent: agent)) {
            return BudgetTrip(scope: .agent(agent), key: hit.key, limit: hit.limit, used: hit.used, agent: agent)
        }
        if let hit = ledger.budget.reached(by: ledger.total, elapsedSeconds: ledger.elapsedSeconds()) {
            return BudgetTrip(scope: .run, key: hit.key, limit: hit.limit, used: hit.used, agent: agent)
        }
        return nil
    }

    /// Stops `call`'s work on `trip`: the call fails with it whatever the plugin then returns.
    func refusal(tripping trip: BudgetTrip, on call: ActiveCall) -> ModelRefusal {
        let first = call.work.withLock { state -> Bool in
            guard state.trip == nil else { return false }
            state.trip = trip
            return true
        }
        if first { call.record(TaskEvent(taskId: nil, kind: .budgetTripped, agent: call.plugin.id, detail: trip.description)) }
        return ModelRefusal(AH_ERR_DENIED, trip.description, budget: trip.budget)
    }

    func refusal(denied reason: String, on call: ActiveCall) -> ModelRefusal {
        call.record(TaskEvent(taskId: nil, kind: .approvalDecided, agent: call.plugin.id, detail: reason))
        return ModelRefusal(AH_ERR_DENIED, reason)
    }

    /// Counts one tool call of `call` (a typed tool, or a capability through
    /// delegate) and returns the budget that refuses it, if one does.
    func countToolCall(_ call: ActiveCall) -> BudgetTrip? {
        call.work.withLock { $0.usage.toolCalls += 1 }
        call.ledger?.addToolCall(agent: call.plugin.id)
        guard let trip = budgetTrip(for: call) else { return nil }
        _ = refusal(tripping: trip, on: call)
        return trip
    }

    /// Counts the turn an agent call begins, and refuses it past a turns budget.
    func beginTurn(of plugin: LoadedPlugin, options: CallOptions) -> BudgetTrip? {
        guard let ledger = options.ledger else { return nil }
        ledger.beginTurn(agent: plugin.id)
        let agentBudget = budget(ofAgent: plugin.id)
        if let turns = agentBudget.turns, ledger.usage(of: plugin.id).turns > turns {
            return BudgetTrip(scope: .agent(plugin.id), key: "turns", limit: "\(turns)", used: "\(ledger.usage(of: plugin.id).turns)", agent: plugin.id)
        }
        if let turns = ledger.budget.turns, ledger.total.turns > turns {
            return BudgetTrip(scope: .run, key: "turns", limit: "\(turns)", used: "\(ledger.total.turns)", agent: plugin.id)
        }
        return nil
    }
}
