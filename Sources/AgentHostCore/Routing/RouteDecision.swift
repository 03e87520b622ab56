/// Where the router sent a task, and why, as recorded on the task.
public struct RouteDecision: Sendable {
    public var agent: String { candidate.plugin.id }
    public var capability: String { candidate.capability.name }
    /// The deciding criterion, in words: "exact capability; the only agent".
    public let reason: String
    /// Every candidate, best first, with what was weighed.
    public let ranking: [RouteRanking]
    let candidate: RouteCandidate
    /// Agents that declare the capability but may not receive it, and why.
    public var excluded: [String] = []

    init(reason: String, ranking: [RouteRanking], candidate: RouteCandidate, excluded: [String] = []) {
        self.reason = reason
        self.ranking = ranking
        self.candidate = candidate
        self.excluded = excluded
    }
}

/// One candidate as the router weighed it.
public struct RouteRanking: Sendable, Hashable, Encodable {
    public let agent: String
    public let capability: String
    /// Keywords of the capability found in the free text (empty for an exact capability).
    public let matchedKeywords: [String]
    public let inFlight: Int
    public let priority: Int
    public let estimatedMilliseconds: Double?
    public let estimatedCost: Double?
    /// What the store recorded of it, when the router learns (`routing.learn`).
    public let recorded: RecordedFigures?
}
