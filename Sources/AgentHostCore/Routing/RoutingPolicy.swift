/// How the router weighs what the store has recorded (the policy's `routing`).
public struct RoutingPolicy: Sendable, Hashable {
    /// Weigh each agent's recorded success rate and latency for a capability.
    public var learn = false
    /// Finished tasks of an agent for a capability before its latency counts
    /// (its success rate always counts, smoothed toward one half).
    public var minTasks = 5
    /// How often the figures are read again from the store, in milliseconds.
    public var refreshMilliseconds = 2_000
    /// How many of the most recent tasks the figures are taken from.
    public var window = 5_000

    public init() {}
}
