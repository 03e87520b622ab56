import Synchronization

/// Keeps a plugin that is not thread-safe from being entered by two threads at
/// once; a thread-safe plugin passes straight through. Every entry into a
/// plugin (agent call, release, typed tool) goes through its gate.
final class CallGate: Sendable {
    let isSerialized: Bool
    private let mutex = Mutex(())

    init(threadSafe: Bool) {
        isSerialized = !threadSafe
    }

    @inline(__always)
    func enter<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        guard isSerialized else { return try body() }
        return try mutex.withLock { _ throws(E) in try body() }
    }
}
