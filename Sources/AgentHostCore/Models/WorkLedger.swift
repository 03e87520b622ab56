import Foundation
import Synchronization

/// What one run (or one task outside a run) has used so far, against the
/// run's budget, shared by every agent call of it; and, for a resumed run,
/// the model answers its earlier attempts got, so a step that runs again
/// replays them instead of paying for them twice.
public final class WorkLedger: Sendable {
    /// The run's budget: the policy's `budgets.run` with the workflow's `budget:` laid over it.
    public let budget: Budget
    let store: TaskStore?
    let startedNanoseconds: Int64

    private struct State {
        var runID: Int64?
        var total = BudgetUsage()
        var agents: [String: BudgetUsage] = [:]
        var agentStarted: [String: Int64] = [:]
        /// Earlier answers by step, agent, sequence and request hash; each is replayed once.
        var journal: [ReplayKey: [ModelCallRecord]] = [:]
    }

    struct ReplayKey: Hashable {
        var step: String
        var agent: String
        var sequence: Int
        var requestHash: String
    }

    private let state: Mutex<State>

    public init(budget: Budget = .unlimited, store: TaskStore? = nil, runID: Int64? = nil) {
        self.budget = budget
        self.store = store
        startedNanoseconds = WallClock.nanoseconds()
        state = Mutex(State(runID: runID))
    }

    /// The ledger of run `id` as its earlier hosts left it: what its model
    /// calls used counts against the budget again, and their answers wait to be replayed.
    public static func resuming(run id: Int64, budget: Budget, store: TaskStore) throws(StoreError) -> WorkLedger {
        let ledger = WorkLedger(budget: budget, store: store, runID: id)
        let earlier = try store.modelCalls(ofRun: id)
        ledger.state.withLock { state in
            for call in earlier {
                let usage = ModelUsage(inputTokens: call.inputTokens, outputTokens: call.outputTokens)
                state.total.add(modelCall: usage, cost: call.cost)
                state.agents[call.agent, default: BudgetUsage()].add(modelCall: usage, cost: call.cost)
                guard call.status == "ok", call.answer != nil, let step = call.step else { continue }
                state.journal[ReplayKey(step: step, agent: call.agent, sequence: call.sequence, requestHash: call.requestHash), default: []].append(call)
            }
        }
        return ledger
    }

    public var runID: Int64? { state.withLock { $0.runID } }

    /// A new run gets its id with its first write, after its ledger was made.
    func bind(runID: Int64) { state.withLock { if $0.runID == nil { $0.runID = runID } } }

    public var total: BudgetUsage { state.withLock { $0.total } }

    func usage(of agent: String) -> BudgetUsage { state.withLock { $0.agents[agent] ?? BudgetUsage() } }

    /// Seconds since the run, or the agent's first call in it, began.
    func elapsedSeconds(agent: String? = nil) -> Double {
        let now = WallClock.nanoseconds()
        let start = agent.flatMap { name in state.withLock { $0.agentStarted[name] } } ?? startedNanoseconds
        return Double(now - start) / 1e9
    }

    func beginTurn(agent: String) {
        state.withLock { state in
            state.total.turns += 1
            state.agents[agent, default: BudgetUsage()].turns += 1
            if state.agentStarted[agent] == nil { state.agentStarted[agent] = WallClock.nanoseconds() }
        }
    }

    func addModelCall(agent: String, usage: ModelUsage, cost: Double) {
        state.withLock { state in
            state.total.add(modelCall: usage, cost: cost)
            state.agents[agent, default: BudgetUsage()].add(modelCall: usage, cost: cost)
        }
    }

    func addToolCall(agent: String) {
        state.withLock { state in
            state.total.toolCalls += 1
            state.agents[agent, default: BudgetUsage()].toolCalls += 1
        }
    }

    /// The earlier answer to the same request at the same place, if a resume has one; taken, so it is replayed once.
    func takeReplay(step: String?, agent: String, sequence: Int, requestHash: String) -> ModelCallRecord? {
        guard let step else { return nil }
        return state.withLock { state in
            let key = ReplayKey(step: step, agent: agent, sequence: sequence, requestHash: requestHash)
            guard var found = state.journal[key], !found.isEmpty else { return nil }
            let first = found.removeFirst()
            state.journal[key] = found
            return first
        }
    }
}
