/// Picks the agent for a task. Tables are built once from the registry; an
/// exact-capability route with one provider is a dictionary read and no
/// allocation.
///
/// Order of criteria: the exact capability (or, for free text, the most
/// declared keywords found), then the fewest tasks in flight, then the
/// highest priority, then the lowest estimated time, then the lowest
/// estimated cost, then the agent id so the choice is deterministic.
public final class Router: Sendable {
    let registry: PluginRegistry
    let load: AgentLoad
    private let byCapability: [String: [RouteCandidate]]
    private let all: [RouteCandidate]
    /// Each capability's keywords as lowercase word sequences, indexed like `all`.
    private let keywords: [[[Substring]]]
    private let onlyProviderReason: [String: String]

    public init(registry: PluginRegistry) {
        self.registry = registry
        load = AgentLoad(agentCount: registry.plugins.count)
        var byCapability: [String: [RouteCandidate]] = [:]
        var all: [RouteCandidate] = []
        for (agentIndex, plugin) in registry.plugins.enumerated() {
            for index in plugin.manifest.capabilities.indices {
                let candidate = RouteCandidate(plugin: plugin, agentIndex: agentIndex, capabilityIndex: index)
                byCapability[candidate.capability.name, default: []].append(candidate)
                all.append(candidate)
            }
        }
        self.byCapability = byCapability
        self.all = all
        keywords = all.map { candidate in candidate.capability.keywords.map { Self.words(in: $0) }.filter { !$0.isEmpty } }
        onlyProviderReason = byCapability.mapValues { "exact capability '\($0[0].capability.name)'; the only agent that declares it" }
    }

    /// Every capability some loaded agent answers, sorted.
    public var capabilities: [String] { registry.capabilities }

    /// The candidate for `capability` on agent `agentID`, if it declares it.
    func candidate(agent agentID: String, capability: String) -> RouteCandidate? {
        byCapability[capability]?.first { $0.plugin.id == agentID }
    }

    /// The candidates of agent `agentID`, in manifest order.
    func candidates(agent agentID: String) -> [RouteCandidate] { all.filter { $0.plugin.id == agentID } }

    /// Agent types as DELEGATE actions name them: the last part of each agent
    /// id (`agenthost.knowledge` is `knowledge`) and each capability's first
    /// part (`knowledge.search` is `knowledge`), to the agents they stand for.
    func agentTypes() -> [String: Set<String>] {
        var types: [String: Set<String>] = [:]
        for candidate in all {
            let id = candidate.plugin.id
            if let last = id.split(separator: ".").last { types[String(last), default: []].insert(id) }
            if let first = candidate.capability.name.split(separator: ".").first { types[String(first), default: []].insert(id) }
        }
        return types
    }

    /// The agent for `capability`, which must match a declared name exactly.
    public func route(capability: String) throws(RoutingError) -> RouteDecision {
        guard let candidates = byCapability[capability] else {
            throw .noAgent(capability: capability, suggestions: registry.suggestions(for: capability))
        }
        if candidates.count == 1 {
            return RouteDecision(reason: onlyProviderReason[capability]!, ranking: [], candidate: candidates[0])
        }
        let ranked = rank(candidates.map { ($0, []) })
        return decide(ranked, first: "exact capability '\(capability)'")
    }

    /// The agent whose declared keywords best match `text`, optionally only
    /// among the capabilities of the agents `agentIDs`.
    public func route(text: String, among agentIDs: Set<String>? = nil) throws(RoutingError) -> RouteDecision {
        let ranked = rankText(text, among: agentIDs)
        guard let best = ranked.first, !best.1.isEmpty else {
            let names = agentIDs.map { ids in all.filter { ids.contains($0.plugin.id) }.map(\.capability.name) } ?? capabilities
            throw .noKeywordMatch(text: text, capabilities: names)
        }
        return decide(ranked.filter { !$0.1.isEmpty }, first: "keywords")
    }

    /// The ranking `agenthost route` shows: every capability with at least one
    /// keyword in `text`, best first.
    public func ranking(for text: String) -> [RouteRanking] {
        rankText(text, among: nil).filter { !$0.1.isEmpty }.map(describe)
    }

    // MARK: - Ranking

    private typealias Scored = (RouteCandidate, [String])

    private func rankText(_ text: String, among agentIDs: Set<String>?) -> [Scored] {
        let words = Self.words(in: text)
        var scored: [Scored] = []
        for (index, candidate) in all.enumerated() where agentIDs?.contains(candidate.plugin.id) ?? true {
            let matched = keywords[index].filter { Self.contains(words, $0) }.map { $0.joined(separator: " ") }
            scored.append((candidate, matched))
        }
        return rank(scored)
    }

    private func rank(_ scored: [Scored]) -> [Scored] {
        scored.sorted { a, b in Self.compare(a, b, load: load) < 0 }
    }

    /// Negative when `a` should be chosen before `b`; also tells the criterion.
    private static func compare(_ a: Scored, _ b: Scored, load: AgentLoad) -> Int {
        criterion(a, b, load: load)?.order ?? 0
    }

    private static func criterion(_ a: Scored, _ b: Scored, load: AgentLoad) -> (order: Int, name: String)? {
        func order<T: Comparable>(_ x: T, _ y: T, _ name: String) -> (Int, String)? { x == y ? nil : (x < y ? -1 : 1, name) }
        func missingLast(_ x: Double?, _ y: Double?, _ name: String) -> (Int, String)? {
            switch (x, y) {
            case let (x?, y?): return order(x, y, name)
            case (.some, nil): return (-1, name)
            case (nil, .some): return (1, name)
            case (nil, nil): return nil
            }
        }
        let (ca, cb) = (a.0.capability, b.0.capability)
        return order(b.1.count, a.1.count, "more keywords matched")
            ?? order(load.inFlight(a.0.agentIndex), load.inFlight(b.0.agentIndex), "fewest tasks in flight")
            ?? order(cb.priority, ca.priority, "higher priority")
            ?? missingLast(ca.estimatedMilliseconds, cb.estimatedMilliseconds, "lower estimated time")
            ?? missingLast(ca.estimatedCost, cb.estimatedCost, "lower estimated cost")
            ?? order(a.0.plugin.id, b.0.plugin.id, "agent id order (all else equal)")
    }

    private func decide(_ ranked: [Scored], first: String) -> RouteDecision {
        let (best, matched) = ranked[0]
        var reason = first == "keywords" ? "keywords \(matched.map { "'\($0)'" }.joined(separator: ", ")) matched" : first
        if ranked.count > 1, let deciding = Self.criterion(ranked[0], ranked[1], load: load)?.name, deciding != "more keywords matched" {
            reason += "; over '\(ranked[1].0.plugin.id)' by \(deciding)"
        } else if ranked.count == 1 {
            reason += "; the only candidate"
        }
        return RouteDecision(reason: reason, ranking: ranked.map(describe), candidate: best)
    }

    private func describe(_ scored: Scored) -> RouteRanking {
        let (candidate, matched) = scored
        let capability = candidate.capability
        return RouteRanking(agent: candidate.plugin.id, capability: capability.name, matchedKeywords: matched,
                            inFlight: load.inFlight(candidate.agentIndex), priority: capability.priority,
                            estimatedMilliseconds: capability.estimatedMilliseconds, estimatedCost: capability.estimatedCost)
    }

    // MARK: - Words

    /// Lowercase runs of letters and digits.
    static func words(in text: String) -> [Substring] {
        text.lowercased().split { !($0.isLetter || $0.isNumber) }
    }

    /// Whether `phrase` occurs as consecutive words of `words`.
    private static func contains(_ words: [Substring], _ phrase: [Substring]) -> Bool {
        guard phrase.count <= words.count else { return false }
        for start in 0...(words.count - phrase.count) where words[start] == phrase[0] {
            if phrase.indices.allSatisfy({ words[start + $0] == phrase[$0] }) { return true }
        }
        return false
    }
}
