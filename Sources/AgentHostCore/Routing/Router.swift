/// Picks the agent for a task. Tables are built once from the registry; an
/// exact-capability route with one provider is one dictionary read and no
/// allocation.
///
/// Order of criteria: the exact capability (or, for free text, the most
/// declared keywords found), then the fewest tasks in flight, then the
/// highest priority, then the lowest estimated time, then the lowest
/// estimated cost, then the agent id so the choice is deterministic. An
/// isolated agent that is quarantined (or was refused by its own process)
/// comes after every agent that is not.
///
/// A plugin the operator does not trust never receives a capability that a
/// trusted (bundled, or trusted by the policy) plugin also offers, unless the
/// policy's `plugins.ID.take_over` names it: a third-party plugin cannot
/// declare a bundled capability with a high priority and take its tasks.
public final class Router: Sendable {
    let registry: PluginRegistry
    let load: AgentLoad
    /// The agents of one capability, and the reason recorded when there is only one.
    private struct Providers: Sendable {
        var candidates: [RouteCandidate]
        var onlyReason: String
    }
    private let byCapability: [String: Providers]
    private let all: [RouteCandidate]
    /// Each capability's keywords, candidates indexed like `all`.
    private let keywords: KeywordIndex
    /// Agent types as DELEGATE actions name them: the last part of each agent
    /// id (`agenthost.knowledge` is `knowledge`) and each capability's first
    /// part (`knowledge.search` is `knowledge`), to the agents they stand for.
    let agentTypes: [String: Set<String>]
    /// Per capability, the agents left out of it by the takeover rule, in words.
    public let exclusions: [String: [String]]
    /// Untrusted plugins the policy lets take over any capability (`take_over: ["*"]`).
    private let takesOverAnything: Set<String>
    /// What the store recorded, when the policy's `routing.learn` is on.
    let learned: LearnedRoutes

    public init(registry: PluginRegistry, policy: Policy = .standard) {
        self.registry = registry
        load = AgentLoad(agentCount: registry.plugins.count)
        learned = LearnedRoutes(policy: policy.routing)
        var all: [RouteCandidate] = []
        var types: [String: Set<String>] = [:]
        // What trusted plugins offer: their capabilities, and the agent types they
        // answer to (`knowledge` for agenthost.knowledge and knowledge.*). An
        // untrusted plugin joins neither unless the policy's take_over says so.
        var trustedCapabilities: [String: String] = [:]
        var trustedTypes = Set<String>()
        for plugin in registry.plugins where plugin.isTrusted {
            if let last = plugin.id.split(separator: ".").last { trustedTypes.insert(String(last)) }
            for capability in plugin.manifest.capabilities {
                if trustedCapabilities[capability.name] == nil { trustedCapabilities[capability.name] = plugin.id }
                if let first = capability.name.split(separator: ".").first { trustedTypes.insert(String(first)) }
            }
        }
        func join(_ type: Substring, _ plugin: LoadedPlugin) {
            let type = String(type)
            if !plugin.isTrusted, trustedTypes.contains(type), !policy.plugin(plugin.id).mayTakeOver("*") { return }
            types[type, default: []].insert(plugin.id)
        }
        var exclusions: [String: [String]] = [:]
        for (agentIndex, plugin) in registry.plugins.enumerated() {
            if let last = plugin.id.split(separator: ".").last { join(last, plugin) }
            for (index, capability) in plugin.manifest.capabilities.enumerated() {
                if !plugin.isTrusted, let owner = trustedCapabilities[capability.name], !policy.plugin(plugin.id).mayTakeOver(capability.name) {
                    exclusions[capability.name, default: []].append(
                        "'\(plugin.id)' also declares it but is not trusted, and trusted '\(owner)' offers it "
                            + "(the policy's plugins.\(plugin.id).take_over can allow it)")
                    continue
                }
                all.append(RouteCandidate(plugin: plugin, agentIndex: agentIndex, capabilityIndex: index))
                if let first = capability.name.split(separator: ".").first { join(first, plugin) }
            }
        }
        self.all = all
        self.exclusions = exclusions
        takesOverAnything = Set(registry.plugins.filter { !$0.isTrusted && policy.plugin($0.id).mayTakeOver("*") }.map(\.id))
        agentTypes = types
        byCapability = Dictionary(grouping: all, by: \.capability.name).mapValues { candidates in
            Providers(candidates: candidates,
                      onlyReason: "exact capability '\(candidates[0].capability.name)'; the only agent that declares it")
        }
        keywords = KeywordIndex(all.map(\.capability.keywords))
    }

    /// Weigh the figures `store` recorded, when the policy's `routing.learn`
    /// is on (an ``AgentRuntime`` does this for its own store).
    public func learn(from store: TaskStore) {
        let window = learned.policy.window
        learned.read { [store] in try? store.routingFigures(window: window) }
    }

    /// The candidate for `capability` on agent `agentID`, if it declares it.
    func candidate(agent agentID: String, capability: String) -> RouteCandidate? {
        byCapability[capability]?.candidates.first { $0.plugin.id == agentID }
    }

    /// The agents that declare `capability`, best first as the router ranks them now.
    public func agents(for capability: String) -> [String] {
        guard let providers = byCapability[capability] else { return [] }
        if providers.candidates.count == 1 { return [providers.candidates[0].plugin.id] }
        let figures = learned.figures()
        return rank(providers.candidates.map { score($0, matched: [], figures: figures) }).map(\.candidate.plugin.id)
    }

    /// The candidates of agent `agentID`, in manifest order.
    func candidates(agent agentID: String) -> [RouteCandidate] { all.filter { $0.plugin.id == agentID } }

    /// The agent for `capability`, which must match a declared name exactly.
    public func route(capability: String) throws(RoutingError) -> RouteDecision {
        guard let providers = byCapability[capability] else {
            throw .noAgent(capability: capability, suggestions: registry.suggestions(for: capability))
        }
        if providers.candidates.count == 1 {
            // A learning router shows what it recorded even of the only agent; it costs a lookup only then.
            let ranking = learned.policy.learn ? [describe(score(providers.candidates[0], matched: [], figures: learned.figures()))] : []
            return RouteDecision(reason: providers.onlyReason, ranking: ranking, candidate: providers.candidates[0],
                                 excluded: exclusions[capability] ?? [])
        }
        let figures = learned.figures()
        return decide(rank(providers.candidates.map { score($0, matched: [], figures: figures) }), reason: "exact capability '\(capability)'",
                      excluded: exclusions[capability] ?? [])
    }

    /// The agent whose declared keywords best match `text`, among the
    /// capabilities that take a task in words (``PluginManifest/Capability/textInput``),
    /// optionally only among the capabilities of the agents `agentIDs`.
    public func route(text: String, among agentIDs: Set<String>? = nil) throws(RoutingError) -> RouteDecision {
        let words = Self.words(in: text)
        let figures = learned.figures()
        var scored: [Scored] = []
        var wordless: [String] = []
        for (index, matched) in keywords.matches(in: words) {
            let candidate = all[index]
            guard agentIDs?.contains(candidate.plugin.id) ?? true else { continue }
            if !candidate.takesWords {
                wordless.append(candidate.capability.name)
            } else {
                scored.append(score(candidate, matched: matched, figures: figures))
            }
        }
        guard !scored.isEmpty else {
            let examples = all.filter { $0.takesWords && (agentIDs?.contains($0.plugin.id) ?? true) && !$0.capability.keywords.isEmpty }
                .map { "\($0.capability.keywords.prefix(3).joined(separator: ", ")) (\($0.capability.name))" }
            throw .noKeywordMatch(text: text, examples: examples.uniqued(), wordless: wordless.uniqued())
        }
        let ranked = rank(scored)
        return decide(ranked, reason: "keywords \(ranked[0].matched.map { "'\($0)'" }.joined(separator: ", ")) matched")
    }

    /// A DELEGATE block's agent: among the agents of its type by keywords,
    /// else the first of their capabilities (in manifest order) that takes
    /// words, since the block already named who should do it.
    public func route(delegated text: String, among agentIDs: Set<String>) throws(RoutingError) -> RouteDecision {
        do {
            return try route(text: text, among: agentIDs)
        } catch {
            guard let first = all.first(where: { agentIDs.contains($0.plugin.id) && $0.takesWords }) else { throw error }
            return RouteDecision(reason: "no keyword matched; '\(first.capability.name)' is the agent type's first capability that takes words",
                                 ranking: [], candidate: first)
        }
    }

    /// Whether any capability of the agents `agentIDs` takes a task in words.
    func takesWords(_ agentIDs: Set<String>) -> Bool { all.contains { $0.takesWords && agentIDs.contains($0.plugin.id) } }

    /// For a handoff's reason: the capability of `agentIDs` whose keywords
    /// it matches, whether or not that capability takes words (a handoff
    /// passes its context as the payload, not the reason).
    func route(reason text: String, among agentIDs: Set<String>) -> RouteCandidate? {
        let words = Self.words(in: text)
        let figures = learned.figures()
        let scored = keywords.matches(in: words).compactMap { index, matched -> Scored? in
            agentIDs.contains(all[index].plugin.id) ? score(all[index], matched: matched, figures: figures) : nil
        }
        return rank(scored).first?.candidate
    }

    // MARK: - Ranking

    /// A candidate with what is weighed about it, the load read once so one
    /// ranking compares consistent numbers.
    private struct Scored {
        var candidate: RouteCandidate
        var matched: [String]
        var inFlight: Int
        var available: Bool
        /// For free text: a trusted agent, or one the policy lets take over anything.
        var preferred: Bool
        /// What the store recorded of it, when the router learns; a learning
        /// router with no record of it has all zeros.
        var recorded: RecordedFigures?
    }

    private func score(_ candidate: RouteCandidate, matched: [String], figures: [String: RecordedFigures]) -> Scored {
        var recorded: RecordedFigures?
        if learned.policy.learn {
            recorded = figures[LearnedRoutes.key(candidate.plugin.id, candidate.capability.name)]
                ?? RecordedFigures(agent: candidate.plugin.id, capability: candidate.capability.name, completed: 0, failed: 0, meanMilliseconds: nil)
        }
        return Scored(candidate: candidate, matched: matched, inFlight: load.inFlight(candidate.agentIndex),
                      available: candidate.plugin.isAvailable, preferred: matched.isEmpty || candidate.plugin.isTrusted
                          || takesOverAnything.contains(candidate.plugin.id), recorded: recorded)
    }

    private func rank(_ scored: [Scored]) -> [Scored] {
        let minTasks = learned.policy.minTasks
        return scored.sorted { a, b in (Self.criterion(a, b, minTasks: minTasks)?.order ?? 0) < 0 }
    }

    /// Which of `a` and `b` comes first (negative: `a`), and by which criterion; nil when they tie.
    private static func criterion(_ a: Scored, _ b: Scored, minTasks: Int) -> (order: Int, name: String)? {
        func order<T: Comparable>(_ x: T, _ y: T, _ name: String) -> (Int, String)? { x == y ? nil : (x < y ? -1 : 1, name) }
        func missingLast(_ x: Double?, _ y: Double?, _ name: String) -> (Int, String)? {
            switch (x, y) {
            case let (x?, y?): return order(x, y, name)
            case (.some, nil): return (-1, name)
            case (nil, .some): return (1, name)
            case (nil, nil): return nil
            }
        }
        let (ca, cb) = (a.candidate.capability, b.candidate.capability)
        return order(b.available ? 1 : 0, a.available ? 1 : 0, "being available (the other is quarantined)")
            ?? order(b.preferred ? 1 : 0, a.preferred ? 1 : 0, "being trusted (free text goes to trusted agents first)")
            ?? order(b.matched.count, a.matched.count, "more keywords matched")
            ?? recordedSuccess(a.recorded, b.recorded)
            ?? order(a.inFlight, b.inFlight, "fewest tasks in flight")
            ?? order(cb.priority, ca.priority, "higher priority")
            ?? recordedLatency(a.recorded, b.recorded, minTasks: minTasks)
            ?? missingLast(ca.estimatedMilliseconds, cb.estimatedMilliseconds, "lower estimated time")
            ?? missingLast(ca.estimatedCost, cb.estimatedCost, "lower estimated cost")
            ?? order(a.candidate.plugin.id, b.candidate.plugin.id, "agent id order (all else equal)")
    }

    /// A success rate 0.1 or more higher wins; a smaller gap is noise, not a reason to move work.
    private static func recordedSuccess(_ a: RecordedFigures?, _ b: RecordedFigures?) -> (order: Int, name: String)? {
        guard let a, let b, abs(a.successRate - b.successRate) >= 0.1 else { return nil }
        return (a.successRate > b.successRate ? -1 : 1,
                "higher recorded success rate (\(percent(a.successRate)) of \(a.finished) vs \(percent(b.successRate)) of \(b.finished), smoothed)")
    }

    /// The recorded mean time, once both agents finished `minTasks` tasks.
    private static func recordedLatency(_ a: RecordedFigures?, _ b: RecordedFigures?, minTasks: Int) -> (order: Int, name: String)? {
        guard let a, let b, a.finished >= minTasks, b.finished >= minTasks, let ma = a.meanMilliseconds, let mb = b.meanMilliseconds,
              ma != mb else { return nil }
        return (ma < mb ? -1 : 1, "lower recorded latency (\(milliseconds(ma)) ms vs \(milliseconds(mb)) ms)")
    }

    private static func percent(_ rate: Double) -> String { "\(Int((rate * 100).rounded()))%" }

    private static func milliseconds(_ value: Double) -> String { "\((value * 10).rounded() / 10)" }

    /// The first of `ranked`, with `reason` and what set it apart from the runner-up.
    private func decide(_ ranked: [Scored], reason: String, excluded: [String] = []) -> RouteDecision {
        var reason = reason
        if ranked.count == 1 {
            reason += "; the only candidate"
        } else if let deciding = Self.criterion(ranked[0], ranked[1], minTasks: learned.policy.minTasks)?.name, deciding != "more keywords matched" {
            let other = ranked[1].candidate
            // Two capabilities of one agent differ by capability, not by agent.
            let runnerUp = other.plugin.id == ranked[0].candidate.plugin.id ? "\(other.capability.name) (the same agent)" : "'\(other.plugin.id)'"
            reason += "; over \(runnerUp) by \(deciding)"
        }
        return RouteDecision(reason: reason, ranking: ranked.map(describe), candidate: ranked[0].candidate, excluded: excluded)
    }

    private func describe(_ scored: Scored) -> RouteRanking {
        let capability = scored.candidate.capability
        return RouteRanking(agent: scored.candidate.plugin.id, capability: capability.name, matchedKeywords: scored.matched,
                            inFlight: scored.inFlight, priority: capability.priority,
                            estimatedMilliseconds: capability.estimatedMilliseconds, estimatedCost: capability.estimatedCost,
                            recorded: scored.recorded)
    }

    // MARK: - Words

    /// Lowercase runs of letters, digits and the marks that combine with them.
    /// Read by Unicode scalar, not by Character: it is on the routing path, and
    /// splitting into grapheme clusters costs more than the rest of a route.
    static func words(in text: String) -> [Substring] {
        text.lowercased().unicodeScalars.split { !isWordScalar($0) }.map(Substring.init)
    }

    private static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            let value = scalar.value
            return (0x61...0x7A).contains(value) || (0x41...0x5A).contains(value) || (0x30...0x39).contains(value)
        }
        let properties = scalar.properties
        switch properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return properties.isAlphabetic || properties.numericType != nil
        }
    }
}
