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
    /// Participants' own inputs compiled, shared by all conversations.
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
            try check(participant)
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

    /// Where conversation `id` stands, from the store (and its settings from memory when it is open here).
    public func summary(_ id: Int64) throws(ConversationError) -> ConversationSummary {
        let status: String?, stored: TaskStore.StoredConversation?
        let agents: [(agent: String, role: String, turns: Int, state: String)], messages: Int
        do throws(StoreError) {
            (status, stored) = (try runtime.store.conversationStatus(id), try runtime.store.conversation(id: id))
            agents = try runtime.store.agents(ofConversation: id)
            messages = try runtime.store.storedMessages(ofConversation: id).count
        } catch {
            throw .store(error)
        }
        guard let status, let stored else { throw .unknownConversation(id) }
        let held = open.withLock { $0[id] }
        let participants = held?.participants ?? (try? JSONDecoder().decode([Participant].self, from: stored.participants)) ?? []
        return ConversationSummary(
            id: id, strategy: held?.strategy ?? TurnStrategy(rawValue: stored.strategy) ?? .dynamic, status: status,
            participants: participants.map { participant in
                let agent = agents.first { $0.agent == participant.agent }
                return .init(participant: participant, turns: agent?.turns ?? 0, state: agent?.state ?? AgentState.idle.name)
            },
            messages: messages)
    }

    /// The messages of conversation `id` and the answers they got, oldest first.
    public func history(_ id: Int64) throws(ConversationError) -> [StoredMessage] {
        do throws(StoreError) {
            return try runtime.store.storedMessages(ofConversation: id)
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
            let choice = chosen[index]
            let participant = conversation.participants[choice.position]
            do throws(StoreError) {
                let turn = try self.answer(participant, capability: choice.capability, message: message, conversation: id, context: context,
                                           timeout: remaining, reason: choice.reason)
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
    /// each with the capability it answers with, taking their turns (under
    /// the lock, so concurrent messages never share one).
    private func choose(_ id: Int64, message: String, role: String) throws(ConversationError) -> (Conversation, [Choice]) {
        if open.withLock({ $0[id] == nil }) { try resume(id) }
        guard let participants = open.withLock({ $0[id]?.participants }) else { throw .unknownConversation(id) }
        // The router ranks the participants' capabilities that take words by the message's keywords.
        let offers = self.offers(message, participants: participants)
        let result: Result<(Conversation, [Choice]), ConversationError> = open.withLock { open in
            guard var conversation = open[id] else { return .failure(.unknownConversation(id)) }
            let policy = conversation.policy
            if let timeout = policy.timeoutMilliseconds, WallClock.microseconds() - conversation.startedUs > Int64(timeout) * 1000 {
                return .failure(.timedOut(id, afterMilliseconds: timeout))
            }
            if let allowed = policy.allowedRoles, !allowed.contains(role) {
                return .failure(.roleNotAllowed(role: role, allowed: allowed.sorted()))
            }
            let count = participants.count
            // Only participants that take words answer, and only while they have turns left.
            let takers = (0..<count).filter { wordCapability(participants[$0]) != nil }
            guard !takers.isEmpty else { return .failure(.takesNoWords(id)) }
            let available = takers.filter { position in
                policy.maxTurnsPerAgent.map { Int(conversation.turns[position]) < $0 } ?? true
            }
            guard !available.isEmpty else { return .failure(.turnsExhausted(id, limit: policy.maxTurnsPerAgent ?? 0)) }
            /// The participant at `position` answering with the capability the message matched, else its first that takes words.
            func chosen(_ position: Int, _ why: String) -> Choice? {
                if let offer = offers[position] {
                    return Choice(position: position, capability: offer.capability, reason: "\(why): \(offer.reason)")
                }
                return wordCapability(participants[position]).map {
                    Choice(position: position, capability: $0, reason: "\(why): no keyword matched; '\($0)' is its first capability that takes words")
                }
            }
            var choices: [Choice] = []
            switch conversation.strategy {
            case .singleAgent:
                // The first participant that takes words, whatever the message says.
                guard available.contains(takers[0]) else { return .failure(.turnsExhausted(id, limit: policy.maxTurnsPerAgent ?? 0)) }
                choices = chosen(takers[0], "single agent").map { [$0] } ?? []
            case .roundRobin:
                // The next in turn that takes words and has turns left, whatever the message says.
                let start = Int(conversation.next)
                if let position = (0..<count).map({ (start + $0) % count }).first(where: available.contains) {
                    choices = chosen(position, "round robin").map { [$0] } ?? []
                }
            case .dynamic:
                // The best ranked offer of a participant with turns left; nobody when no keyword matched.
                if let best = offers.filter({ available.contains($0.key) }).min(by: { ($0.value.rank, $0.key) < ($1.value.rank, $1.key) }) {
                    choices = [Choice(position: best.key, capability: best.value.capability, reason: "dynamic: \(best.value.reason)")]
                }
            case .collaborative:
                // Every participant with turns left whose capabilities the message matched.
                choices = available.compactMap { position in
                    offers[position].map { Choice(position: position, capability: $0.capability, reason: "collaborative: \($0.reason)") }
                }
            }
            guard !choices.isEmpty else {
                return .failure(.noKeywordMatch(message: message, examples: self.examples(participants: available.map { participants[$0] })))
            }
            for choice in choices { conversation.turns[choice.position] += 1 }
            if let last = choices.last { conversation.next = Int32((last.position + 1) % count) }
            open[id] = conversation
            return .success((conversation, choices))
        }
        return try result.get()
    }

    /// Who answers a message, with what, and why.
    struct Choice: Sendable {
        var position: Int
        var capability: String
        var reason: String
    }

    /// What a participant's capabilities offer for `message`: by position,
    /// the best ranked capability whose keywords it holds (and that the
    /// participant may answer with), its place in the router's ranking, and why.
    private func offers(_ message: String, participants: [Participant]) -> [Int: (capability: String, rank: Int, reason: String)] {
        let agents = Set(participants.map(\.agent))
        guard let decision = try? runtime.host.router.route(text: message, among: agents) else { return [:] }
        var offers: [Int: (capability: String, rank: Int, reason: String)] = [:]
        for (position, participant) in participants.enumerated() {
            // A participant with its own input answers only with the capability that input is for.
            let only = participant.input != nil ? wordCapability(participant) : participant.capability
            guard let rank = decision.ranking.firstIndex(where: { entry in
                entry.agent == participant.agent && (only.map { $0 == entry.capability } ?? true)
            }) else { continue }
            let entry = decision.ranking[rank]
            let keywords = entry.matchedKeywords.map { "'\($0)'" }.joined(separator: ", ")
            offers[position] = (entry.capability, rank, "\(entry.capability) matched \(keywords)")
        }
        return offers
    }

    /// The capability `participant` answers with when no keyword chooses:
    /// its own, or the first of its agent's that takes words; nil when it takes no words.
    func wordCapability(_ participant: Participant) -> String? {
        guard let plugin = runtime.host.registry.plugin(id: participant.agent) else { return nil }
        if let pinned = participant.capability {
            guard let capability = plugin.manifest.capabilities.first(where: { $0.name == pinned }) else { return nil }
            return capability.textInput != nil || participant.input != nil ? pinned : nil
        }
        if participant.input != nil { return plugin.manifest.capabilities.first?.name }
        return plugin.manifest.capabilities.first { $0.textInput != nil }?.name
    }

    /// Whether `participant` can answer a message: its capability (or one of its agent's) takes words, or it has its own input.
    public func takesWords(_ participant: Participant) -> Bool { wordCapability(participant) != nil }

    /// The capabilities `participant` may answer a message with, in manifest order.
    public func wordCapabilities(of participant: Participant) -> [PluginManifest.Capability] {
        guard let plugin = runtime.host.registry.plugin(id: participant.agent) else { return [] }
        return plugin.manifest.capabilities.filter { capability in
            if let pinned = participant.capability { return capability.name == pinned && (capability.textInput != nil || participant.input != nil) }
            return capability.textInput != nil
        }
    }

    /// Every loaded agent that takes words, its role the last part of its id: who joins a conversation when nobody is named.
    public func defaultParticipants() -> [Participant] {
        runtime.host.registry.plugins
            .map { Participant(agent: $0.id, role: String($0.id.split(separator: ".").last ?? "agent")) }
            .filter(takesWords)
    }

    /// Some keywords of each capability `participants` answer with, for a message that matched none.
    private func examples(participants: [Participant]) -> [String] {
        var seen = Set<String>()
        return participants.flatMap { wordCapabilities(of: $0) }.compactMap { capability in
            let example = "\(capability.keywords.prefix(3).joined(separator: ", ")) (\(capability.name))"
            return !capability.keywords.isEmpty && seen.insert(example).inserted ? example : nil
        }
    }

    private func checkRole(_ role: String, _ policy: ConversationPolicy) throws(ConversationError) {
        if let allowed = policy.allowedRoles, !allowed.contains(role) { throw .roleNotAllowed(role: role, allowed: allowed.sorted()) }
    }

    // MARK: - Answering

    private func answer(_ participant: Participant, capability name: String, message: String, conversation id: Int64,
                        context: SharedContext, timeout: Duration?, reason: String) throws(StoreError) -> ConversationTurn {
        func failed(_ problem: String) -> ConversationTurn {
            ConversationTurn(agent: participant.agent, role: participant.role, capability: name, taskID: nil, status: .failed, reply: nil,
                             error: problem, reason: reason)
        }
        let payload: [UInt8]
        if participant.input != nil {
            // The template was compiled when the conversation started, and `{{message}}` always has a value.
            do {
                payload = try template(for: participant).render { _ in Array(message.utf8) }.get()
            } catch {
                return failed("its input could not be made: \(error)")
            }
        } else {
            // The message goes into the field of the capability's input that takes words.
            guard let field = runtime.host.registry.plugin(id: participant.agent)?.manifest.capabilities.first(where: { $0.name == name })?.textInput else {
                return failed("'\(name)' takes no task in words")
            }
            payload = JSONValue.object([field: .string(message)]).canonicalBytes
        }
        var request = TaskRequest(.capability(name), payload: payload, state: .executing, timeout: timeout, context: context)
        request.agents = [participant.agent]
        request.origin = .conversation
        let outcome = try runtime.run(request)
        return ConversationTurn(agent: participant.agent, role: participant.role, capability: name, taskID: outcome.id, status: outcome.status,
                                reply: outcome.result, error: outcome.error?.description, reason: reason)
    }

    /// Checks that `participant`'s agent and capability exist, and compiles its own input (`{{message}}` in it) once.
    private func check(_ participant: Participant) throws(ConversationError) {
        guard let plugin = runtime.host.registry.plugin(id: participant.agent) else {
            throw .unknownAgent(participant.agent, hint: WorkflowPlan.hint(participant.agent, among: runtime.host.registry.plugins.map(\.id)))
        }
        if let pinned = participant.capability, !plugin.manifest.capabilities.contains(where: { $0.name == pinned }) {
            throw .noCapability(agent: participant.agent, capability: pinned)
        }
        if plugin.manifest.capabilities.isEmpty { throw .noCapability(agent: participant.agent, capability: nil) }
        if participant.input != nil { _ = try template(for: participant) }
    }

    /// The participant's own input with `{{message}}` compiled once.
    private func template(for participant: Participant) throws(ConversationError) -> PayloadTemplate {
        if let cached = templates.withLock({ $0[participant] }) { return cached }
        let template: PayloadTemplate
        do throws(TemplateError) {
            template = try PayloadTemplate.compile(participant.input ?? .object([:]), inputs: [:])
        } catch {
            throw .noCapability(agent: participant.agent, capability: "\(participant.capability ?? "its first capability") with that input: \(error.problem)")
        }
        templates.withLock { $0[participant] = template }
        return template
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
