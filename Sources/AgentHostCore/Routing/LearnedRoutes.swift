import Synchronization

/// The recorded figures a learning router weighs, read from the store at most
/// once per refresh interval by whichever routing call finds them stale; the
/// others go on with the figures they have, so routing never waits on it.
final class LearnedRoutes: Sendable {
    private struct Snapshot: Sendable {
        var figures: [String: RecordedFigures] = [:]
        /// When they were read; nil: never.
        var readUs: Int64?
    }

    private let snapshot = Mutex(Snapshot())
    private let refreshing = Atomic<Bool>(false)
    private let source = Mutex<(@Sendable () -> [RecordedFigures]?)?>(nil)
    let policy: RoutingPolicy

    init(policy: RoutingPolicy) { self.policy = policy }

    /// Where the figures come from: the store of the runtime that routes.
    func read(from source: @escaping @Sendable () -> [RecordedFigures]?) {
        self.source.withLock { $0 = source }
        snapshot.withLock { $0.readUs = nil }
    }

    /// The figures now, refreshed first when they are older than the interval.
    func figures() -> [String: RecordedFigures] {
        guard policy.learn else { return [:] }
        let now = WallClock.microseconds()
        let interval = Int64(policy.refreshMilliseconds) * 1000
        let (current, stale) = snapshot.withLock { ($0.figures, $0.readUs.map { now - $0 >= interval } ?? true) }
        guard stale, refreshing.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return current }
        defer { refreshing.store(false, ordering: .releasing) }
        guard let read = source.withLock({ $0 }), let fresh = read() else {
            snapshot.withLock { $0.readUs = now }  // a failed read is not retried on every call
            return current
        }
        let byKey = Dictionary(fresh.map { (Self.key($0.agent, $0.capability), $0) }, uniquingKeysWith: { first, _ in first })
        snapshot.withLock { $0 = Snapshot(figures: byKey, readUs: now) }
        return byKey
    }

    static func key(_ agent: String, _ capability: String) -> String { agent + "\u{0}" + capability }
}
