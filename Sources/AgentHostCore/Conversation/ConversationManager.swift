import Foundation
import Synchronization

/// Conversations between people and agents, under a turn strategy and a
/// policy. Each conversation is small in memory (its participants are shared
/// with every conversation that has the same ones, and its history lives in
/// the store, not here); its messages, each agent's turns and state, and its
/// shared context are written to the store as they happen, so it can be
/// picked up again by id. Any thread may call.
public final class ConversationManager: Sendable {
    public let runtime: AgentRuntime

    /// What a conversation keeps in memory.
    struct Conversation: Sendable {
        let strategy: TurnStrategy
        let participants: [Participant]
        let policy: ConversationPolicy
        let startedUs: Int64
        var turns: [Int32]
        var next: Int32 = 0
    }

    private let open = Mutex<[Int64: Conversation]>([:])
    /// Compiled inputs by participant, shared by all conversations.
    private let templates = Mutex<[Participant: PayloadTemplate]>([:])

    public init(runtime: AgentRuntime) {
        self.runtime = runtime
    }

    /// How many conversations are held in memory.
    public var openCount: Int { open.withLock { $0.count } }

    /// Starts a conversation and returns its id.
    public func start(strategy: TurnStrategy, participants: [Participant], policy: ConversationPolicy = ConversationPolicy())
        throws(ConversationError) -> Int64 {
        guard !participants.isEmpty else { throw .noParticipants }
        for participant in participants {
            try checkRole(participant.role, policy)
            _ = try template(for: participant)
        }
        let now = WallClock.microseconds()
        let encoder = JSONEncoder()
        let id: Int64
        do throws(StoreError) {
            id = try runtime.store.insertConversation(
                strategy: strategy, participants: (try? encoder.encode(participants)) ?? Data(), policy: (try? encoder.encode(policy)) ?? Data(),
                createdUs: now, deadlineUs: policy.timeoutMilliseconds.map { now + Int64($0) * 1000 }, agents: participants)
        } catch {
            throw .store(error)
        }
        open.withLock {
            $0[id] = Conversation(strategy: strategy, participants: participants, policy: policy, startedUs: now,
                                  turns: Array(repeating: 0, count: participants.count))
        }
        return id
    }

    /// Takes up conversation `id` from the store, e.g. in a new process.
    public func resume(_ id: Int64) throws(ConversationError) {
        if open.withLock({ $0[id] != nil }) { return }
        let found: TaskStore.StoredConversation?
        do throws(StoreError) {
            found = try runtime.store.claimConversation(id)
        } catch {
            throw .store(error)
        }
        guard let stored = found else { throw .unknownConversation(id) }
        let decoder = JSONDecoder()
        guard let strategy = TurnStrategy(rawValue: stored.strategy),
              let participants = try? decoder.decode([Participant].self, from: stored.participants),
              let policy = try? decoder.decode(ConversationPolicy.self, from: stored.policy) else {
            throw .unknownConversation(id)
        }
        open.withLock {
            $0[id] = Conversation(strategy: strategy, participants: participants, policy: policy, startedUs: stored.createdUs,
                                  turns: participants.map { Int32(stored.turns[$0.agent] ?? 0) }, next: Int32(stored.nextTurn))
        }
    }

    /// Drops conversation `id` from memory and marks it closed; it stays in
    /// the store, and `resume` takes it up again.
    public func close(_ id: Int64) throws(ConversationError) {
        _ = open.withLock { $0.removeValue(forKey: id) }
        do throws(StoreError) {
            try runtime.store.closeConversation(id)
        } catch {
            throw .store(error)
        }
    }

    /// Posts `message` as `role` and returns the answers it got.
    public func send(_ id: Int64, message: String, role: String = "user") throws(ConversationError) -> ConversationReply {
        let (conversation, chosen) = try choose(id, message: message, role: role)
        let context: SharedContext
        do throws(StoreError) {
            context = try runtime.store.sharedContext(scope: "conversation:\(id)")
        } catch {
            throw .store(error)
        }
        let remaining = conversation.policy.timeoutMilliseconds.map {
            Duration.microseconds(max(1, conversation.startedUs + Int64($0) * 1000 - WallClock.microseconds()))
        }

        // Each chosen participant answers; collaborative turns answer at once.
        let results = Mutex<[Int: ConversationTurn]>([:])
        let failure = Mutex<StoreError?>(nil)
        let work = { @Sendable (index: Int) in
            let (position, reason) = chosen[index]
            let participant = conversation.participants[position]
            do throws(StoreError) {
                let turn = try self.answer(participant, message: message, conversation: id, context: context, timeout: remaining, reason: reason)
                results.withLock { $0[index] = turn }
            } catch {
                failure.withLock { $0 = error }
            }
        }
        if chosen.count == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: chosen.count, execute: work) }
        if let error = failure.withLock({ $0 }) { throw .store(error) }
        let answered = results.withLock { $0 }
        let turns = (0..<chosen.count).compactMap { answered[$0] }

        var reply = ConversationReply(turns: turns, answer: turns.first { $0.status == .completed }?.reply, conflict: nil)
        var events: [RunEvent] = []
        if conversation.strategy == .collaborative {
            (reply.answer, reply.conflict, events) = settle(turns, rule: conversation.policy.conflicts, conversation: id)
        }
        let (turnCounts, nextTurn) = open.withLock { open in
            (chosen.map { Int(open[id]?.turns[$0.position] ?? 0) }, Int(open[id]?.next ?? 0))
        }
        let messages = [TaskStore.NewMessage(role: role, agent: nil, content: Array(message.utf8), taskID: nil)]
            + turns.map { TaskStore.NewMessage(role: $0.role, agent: $0.agent, content: $0.reply ?? Array(($0.error ?? "").utf8), taskID: $0.taskID) }
        let agents = zip(turns, turnCounts).map { (agent: $0.agent, turns: $1, state: $0.status == .completed ? AgentState.done : .failed, task: $0.taskID) }
        do throws(StoreError) {
            try runtime.store.recordTurn(conversation: id, messages: messages, agents: agents, nextTurn: nextTurn, events: events)
        } catch {
            throw .store(error)
        }
        return reply
    }

    // MARK: - Choosing who answers

    /// Checks the conversation's policy and picks the participants who answer,
    /// taking their turns (under the lock, so concurrent messages never share one).
    private func choose(_ id: Int64, message: String, role: String) throws(ConversationError) -> (Conversation, [(position: Int, reason: String)]) {
        if open.withLock({ $0[id] == nil }) { try resume(id) }
        let router = runtime.host.router
        let result: Result<(Conversation, [(position: Int, reason: String)]), ConversationError> = open.withLock { open in
            guard var conversation = open[id] else { return .failure(.unknownConversation(id)) }
            let policy = conversation.policy
            if let timeout = policy.timeoutMilliseconds, WallClock.microseconds() - conversation.startedUs > Int64(timeout) * 1000 {
                return .failure(.timedOut(id, afterMilliseconds: timeout))
            }
            if let allowed = policy.allowedRoles, !allowed.contains(role) {
                return .failure(.roleNotAllowed(role: role, allowed: allowed.sorted()))
            }
            let count = conversation.participants.count
            let available = (0..<count).filter { position in
                policy.maxTurnsPerAgent.map { Int(conversation.turns[position]) < $0 } ?? true
            }
            guard !available.isEmpty else { return .failure(.turnsExhausted(id, limit: policy.maxTurnsPerAgent ?? 0)) }
            var chosen: [(Int, String)] = []
            func inTurn(_ why: String) -> (Int, String) {
                let start = Int(conversation.next)
                let position = (0..<count).map { (start + $0) % count }.first(where: available.contains)!
                return (position, why)
            }
            switch conversation.strategy {
            case .singleAgent:
                guard available.contains(0) else { return .failure(.turnsExhausted(id, limit: policy.maxTurnsPerAgent ?? 0)) }
                chosen = [(0, "single agent")]
            case .roundRobin:
                chosen = [inTurn("round robin")]
            case .dynamic:
                let agents = Set(available.map { conversation.participants[$0].agent })
                if let decision = try? router.route(text: message, among: agents),
                   let position = available.first(where: { conversation.participants[$0].agent == decision.agent }) {
                    chosen = [(position, "dynamic: \(decision.reason)")]
                } else {
                    chosen = [inTurn("dynamic: no participant's keywords match the message; in turn")]
                }
            case .collaborative:
                chosen = available.map { ($0, "collaborative") }
            }
            for (position, _) in chosen { conversation.turns[position] += 1 }
            if let last = chosen.last { conversation.next = Int32((last.0 + 1) % count) }
            open[id] = conversation
            return .success((conversation, chosen))
        }
        return try result.get()
    }

    private func checkRole(_ role: String, _ policy: ConversationPolicy) throws(ConversationError) {
        if let allowed = policy.allowedRoles, !allowed.contains(role) { throw .roleNotAllowed(role: role, allowed: allowed.sorted()) }
    }

    // MARK: - Answering

    private func answer(_ participant: Participant, message: String, conversation id: Int64, context: SharedContext, timeout: Duration?,
                        reason: String) throws(StoreError) -> ConversationTurn {
        let capability = participant.capability ?? runtime.host.registry.plugin(id: participant.agent)?.manifest.capabilities.first?.name ?? ""
        // The template was compiled when the conversation started, and `{{message}}` always has a value.
        let payload: [UInt8]
        do {
            payload = try template(for: participant).render { _ in Array(message.utf8) }.get()
        } catch {
            return ConversationTurn(agent: participant.agent, role: participant.role, taskID: nil, status: .failed, reply: nil,
                                    error: "its input could not be made: \(error)", reason: reason)
        }
        var request = TaskRequest(.capability(capability), payload: payload, state: .executing, timeout: timeout, context: context)
        request.agents = [participant.agent]
        request.origin = .conversation
        let outcome = try runtime.run(request)
        return ConversationTurn(agent: participant.agent, role: participant.role, taskID: outcome.id, status: outcome.status,
                                reply: outcome.result, error: outcome.error?.description, reason: reason)
    }

    /// The participant's input with `{{message}}` compiled once.
    private func template(for participant: Participant) throws(ConversationError) -> PayloadTemplate {
        if let cached = templates.withLock({ $0[participant] }) { return cached }
        guard let plugin = runtime.host.registry.plugin(id: participant.agent) else {
            throw .unknownAgent(participant.agent, hint: WorkflowPlan.hint(participant.agent, among: runtime.host.registry.plugins.map(\.id)))
        }
        let declared = participant.capability.flatMap { name in plugin.manifest.capabilities.first { $0.name == name } }
            ?? (participant.capability == nil ? plugin.manifest.capabilities.first : nil)
        guard let capability = declared else { throw .noCapability(agent: participant.agent, capability: participant.capability) }
        let input = participant.input ?? Self.defaultInput(for: capability.input)
        let template: PayloadTemplate
        do throws(TemplateError) {
            template = try PayloadTemplate.compile(input, inputs: [:])
        } catch {
            throw .noCapability(agent: participant.agent, capability: "\(capability.name) with that input: \(error.problem)")
        }
        templates.withLock { $0[participant] = template }
        return template
    }

    /// Each required string field gets its declared default or the message; `message` is always given.
    static func defaultInput(for schema: JSONValue?) -> JSONValue {
        var fields: [String: JSONValue] = ["message": .string("{{message}}")]
        guard case .object(let rules)? = schema else { return .object(fields) }
        let properties: [String: JSONValue] = if case .object(let properties)? = rules["properties"] { properties } else { [:] }
        if case .array(let required)? = rules["required"] {
            for case .string(let name) in required {
                let property = properties[name]
                if case .string(let value)? = property?.value(at: ["default"]) {
                    fields[name] = .string(value)
                } else if property?.value(at: ["type"]) == nil || property?.value(at: ["type"]) == .string("string") {
                    fields[name] = .string("{{message}}")
                }
            }
        }
        if case .bool(false)? = rules["additionalProperties"], properties["message"] == nil { fields["message"] = nil }
        return .object(fields)
    }

    /// A collaborative turn's answers: one when they agree, else the rule's pick.
    private func settle(_ turns: [ConversationTurn], rule: ConflictResolution, conversation id: Int64)
        -> ([UInt8]?, RunReport.Conflict?, [RunEvent]) {
        let answered = turns.filter { $0.status == .completed && $0.reply != nil }
        let ballot = Ballot(answered.map { ($0.agent, $0.agent, $0.reply!) }, normalization: .json)
        guard !ballot.isUnanimous else { return (ballot.winner?.answer, nil, []) }
        var winner: ConversationTurn?
        switch rule {
        case .vote: winner = answered.first { $0.agent == ballot.winner?.voter }
        case .priority:
            func priority(_ turn: ConversationTurn) -> Int {
                runtime.host.registry.plugin(id: turn.agent)?.manifest.capabilities.map(\.priority).max() ?? 0
            }
            winner = answered.max { priority($0) < priority($1) }
        case .escalate: winner = nil
        }
        let answers = answered.map { "\($0.agent): \(String(decoding: ($0.reply ?? []).prefix(120), as: UTF8.self))" }
        let conflict = RunReport.Conflict(steps: answered.map(\.agent), answers: answers, resolution: rule, winner: winner?.agent)
        let outcome = winner.map { "settled by \(rule.rawValue): '\($0.agent)' wins" } ?? "escalated: a person must decide"
        let event = RunEvent(runId: nil, conversationId: id, kind: .conflict,
                             detail: "the agents answered differently (\(answers.joined(separator: " | "))); \(outcome)")
        return (winner?.reply, conflict, [event])
    }
}
