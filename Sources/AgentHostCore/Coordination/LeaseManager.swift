import Foundation
import Logging
import Synchronization

/// Leases on named resources, so that two agents never hold the same one at
/// once: a file (`file:Sources/main.swift`), a workspace, a browser session.
/// A resource holds one lessee unless it is a pool with a larger capacity
/// (`pool:agent:ID` under a per-agent concurrency limit, `pool:steps` under a
/// limit on steps in flight).
///
/// With a store, named resources (all but `pool:` ones, which bound this
/// host's own work) are also leased in the store, so two hosts sharing one
/// state file never hold the same resource at once; a lease there expires
/// unless its host's heartbeat renews it, and a dead host's leases are
/// dropped as soon as another host wants them.
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
    private let store: TaskStore?
    /// Tokens whose rows in the store could not be deleted yet.
    private var unreleased: [Int64] = []

    /// How long a lease in the store lasts without a heartbeat renewing it.
    static let leaseMicroseconds: Int64 = 30_000_000
    /// How often a request blocked by another host looks again.
    private static let recheckSeconds = 0.02
    /// Tokens are unique in the process, so two managers of one host on one store never mix their leases.
    private static let tokens = Atomic<Int64>(0)

    private final class Waiter {
        let token: Int64
        let resources: [String]
        let shared: [String]
        let priority: Int
        var granted = false
        var failure: StoreError?
        init(token: Int64, resources: [String], priority: Int) {
            self.token = token
            self.resources = resources
            self.shared = LeaseManager.heldInStore(resources)
            self.priority = priority
        }
    }

    /// A granted lease; give it back with ``release(_:)``.
    public struct Lease: Sendable, Hashable {
        public let resources: [String]
        /// How long the request waited, in microseconds.
        public let waitedMicroseconds: Int64
        let token: Int64
    }

    /// The names of `resources` leased in the store too: all but this host's own pools.
    static func heldInStore(_ resources: [String]) -> [String] { resources.filter { !$0.hasPrefix("pool:") } }

    /// `capacities`: pools that hold more than one lessee, by name. `store`:
    /// where named resources are leased across hosts (nil: this process only).
    public init(capacities: [String: Int] = [:], store: TaskStore? = nil) {
        self.capacities = capacities
        self.store = store?.owner == nil ? nil : store
    }

    /// Sets how many lessees the resource `name` holds at once.
    public func setCapacity(_ capacity: Int, for name: String) {
        condition.lock()
        capacities[name] = max(1, capacity)
        grantWaiting()
        condition.unlock()
    }

    /// Takes every resource of `resources` at once, waiting as long as needed.
    /// Throws only when the store cannot be written.
    public func acquire(_ resources: [String], priority: Int = 0) throws(StoreError) -> Lease {
        let names = Array(Set(resources)).sorted()
        let start = WallClock.microseconds()
        condition.lock()
        defer { condition.unlock() }
        let waiter = Waiter(token: Self.tokens.add(1, ordering: .relaxed).newValue, resources: names, priority: priority)
        let position = queue.firstIndex { $0.priority < priority } ?? queue.count
        queue.insert(waiter, at: position)
        grantWaiting()
        while !waiter.granted, waiter.failure == nil {
            if store != nil, !waiter.shared.isEmpty {
                // Another host may hold something it wants, and nothing here says when it lets go: look again soon.
                _ = condition.wait(until: Date().addingTimeInterval(Self.recheckSeconds))
                grantWaiting()
            } else {
                condition.wait()
            }
        }
        if let failure = waiter.failure { throw failure }
        return Lease(resources: names, waitedMicroseconds: WallClock.microseconds() - start, token: waiter.token)
    }

    /// Takes every resource of `resources` if all are free now and nobody waits for them.
    public func tryAcquire(_ resources: [String], priority: Int = 0) -> Lease? {
        let names = Array(Set(resources)).sorted()
        condition.lock()
        defer { condition.unlock() }
        let wanted = Set(queue.flatMap(\.resources))
        guard names.allSatisfy({ isFree($0) && !wanted.contains($0) }) else { return nil }
        let token = Self.tokens.add(1, ordering: .relaxed).newValue
        let shared = Self.heldInStore(names)
        if let store, !shared.isEmpty {
            guard (try? store.takeLeases(shared, token: token)) == .some(nil) else { return nil }
        }
        for name in names { held[name, default: 0] += 1 }
        return Lease(resources: names, waitedMicroseconds: 0, token: token)
    }

    public func release(_ lease: Lease) {
        if let store, !Self.heldInStore(lease.resources).isEmpty {
            do {
                try store.releaseLeases(token: lease.token)
            } catch {
                // Given back again before the next grant: until then it blocks every host, this one included.
                Logger(label: "agenthost.leases").error("""
                    could not give back the lease on \(lease.resources.joined(separator: ", ")) in the store (\(error)); it is tried again \
                    before the next lease is granted
                    """)
                condition.lock()
                unreleased.append(lease.token)
                condition.unlock()
            }
        }
        condition.lock()
        for name in lease.resources {
            let count = (held[name] ?? 1) - 1
            held[name] = count > 0 ? count : nil
        }
        grantWaiting()
        condition.unlock()
    }

    /// Who holds what in this process now: resource name to lessee count.
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
        var changed = false
        if let store, !unreleased.isEmpty {
            unreleased.removeAll { (try? store.releaseLeases(token: $0)) != nil }
        }
        queue.removeAll { waiter in
            guard waiter.resources.allSatisfy({ isFree($0) && !blocked.contains($0) }) else {
                blocked.formUnion(waiter.resources)
                return false
            }
            if let store, !waiter.shared.isEmpty {
                do throws(StoreError) {
                    if try store.takeLeases(waiter.shared, token: waiter.token) != nil {
                        blocked.formUnion(waiter.resources)
                        return false
                    }
                } catch {
                    waiter.failure = error
                    changed = true
                    return true
                }
            }
            for name in waiter.resources { held[name, default: 0] += 1 }
            waiter.granted = true
            changed = true
            return true
        }
        if changed { condition.broadcast() }
    }
}
