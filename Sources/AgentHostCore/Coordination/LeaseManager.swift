import Foundation

/// Leases on named resources, so that two agents never hold the same one at
/// once: a file (`file:Sources/main.swift`), a workspace, a browser session.
/// A resource holds one lessee unless it is a pool with a larger capacity
/// (`agent:ID` under a per-agent concurrency limit, `steps` under a limit on
/// steps in flight).
///
/// A request takes all its resources at once or waits, so two requests can
/// never each hold what the other wants. Waiting requests are served by
/// priority, highest first, then in order of arrival; a request never jumps
/// ahead of an earlier-served one that wants any of the same resources.
/// Any thread may call; `acquire` blocks its thread while it waits.
public final class LeaseManager: @unchecked Sendable {
    // @unchecked: every field is read and written under `condition`'s lock.
    private let condition = NSCondition()
    private var held: [String: Int] = [:]
    private var capacities: [String: Int]
    private var queue: [Waiter] = []
    private var nextTicket = 0

    private final class Waiter {
        let ticket: Int
        let resources: [String]
        let priority: Int
        var granted = false
        init(ticket: Int, resources: [String], priority: Int) {
            self.ticket = ticket
            self.resources = resources
            self.priority = priority
        }
    }

    /// A granted lease; give it back with ``release(_:)``.
    public struct Lease: Sendable, Hashable {
        public let resources: [String]
        /// How long the request waited, in microseconds.
        public let waitedMicroseconds: Int64
    }

    /// `capacities`: pools that hold more than one lessee, by name.
    public init(capacities: [String: Int] = [:]) {
        self.capacities = capacities
    }

    /// Sets how many lessees the resource `name` holds at once.
    public func setCapacity(_ capacity: Int, for name: String) {
        condition.lock()
        capacities[name] = max(1, capacity)
        grantWaiting()
        condition.unlock()
    }

    /// Takes every resource of `resources` at once, waiting as long as needed.
    public func acquire(_ resources: [String], priority: Int = 0) -> Lease {
        let names = Array(Set(resources)).sorted()
        let start = WallClock.microseconds()
        condition.lock()
        defer { condition.unlock() }
        let waiter = Waiter(ticket: nextTicket, resources: names, priority: priority)
        nextTicket += 1
        let position = queue.firstIndex { $0.priority < priority } ?? queue.count
        queue.insert(waiter, at: position)
        grantWaiting()
        while !waiter.granted { condition.wait() }
        return Lease(resources: names, waitedMicroseconds: WallClock.microseconds() - start)
    }

    /// Takes every resource of `resources` if all are free now and nobody waits for them.
    public func tryAcquire(_ resources: [String], priority: Int = 0) -> Lease? {
        let names = Array(Set(resources)).sorted()
        condition.lock()
        defer { condition.unlock() }
        let wanted = Set(queue.flatMap(\.resources))
        guard names.allSatisfy({ isFree($0) && !wanted.contains($0) }) else { return nil }
        for name in names { held[name, default: 0] += 1 }
        return Lease(resources: names, waitedMicroseconds: 0)
    }

    public func release(_ lease: Lease) {
        condition.lock()
        for name in lease.resources {
            let count = (held[name] ?? 1) - 1
            held[name] = count > 0 ? count : nil
        }
        grantWaiting()
        condition.unlock()
    }

    /// Who holds what now: resource name to lessee count.
    public var holdings: [String: Int] {
        condition.lock()
        defer { condition.unlock() }
        return held
    }

    /// How many requests wait now.
    public var waiting: Int {
        condition.lock()
        defer { condition.unlock() }
        return queue.count
    }

    private func isFree(_ name: String) -> Bool { (held[name] ?? 0) < (capacities[name] ?? 1) }

    /// Grants waiters in queue order; a waiter that cannot be served blocks
    /// the resources it wants for everyone behind it.
    private func grantWaiting() {
        var blocked = Set<String>()
        var granted = false
        queue.removeAll { waiter in
            if waiter.resources.allSatisfy({ isFree($0) && !blocked.contains($0) }) {
                for name in waiter.resources { held[name, default: 0] += 1 }
                waiter.granted = true
                granted = true
                return true
            }
            blocked.formUnion(waiter.resources)
            return false
        }
        if granted { condition.broadcast() }
    }
}
