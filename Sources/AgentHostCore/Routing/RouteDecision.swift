/// Where the router sent a task, and why, as recorded on the task.
public struct RouteDecision: Sendable {
    public var agent: String { candidate.plugin.id }
    public var capability: String { candidate.capability.name }
    /// The deciding criterion, in words: "exact capability; the only agent".
    public let reason: String
    /// Every candidate, best first, with what was weighed.
    public let ranking: [RouteRanking]
    let candidate: RouteCandidate
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
}
