import Synchronization

/// The calls running in this process, by `call_id`. Host callbacks carry only
/// that scalar (so a plugin could run out of process), and find their call here.
final class CallRegistry: Sendable {
    static let shared = CallRegistry()

    private let nextID = Atomic<UInt64>(1)
    private let calls = Mutex<[UInt64: ActiveCall]>([:])
    /// The last calls that ended, for what arrives after its call: an isolated
    /// plugin's log lines are read from its output a moment later.
    private let ended = Mutex<(calls: [ActiveCall?], next: Int)>((Array(repeating: nil, count: 64), 0))

    func makeID() -> UInt64 { nextID.wrappingAdd(1, ordering: .relaxed).oldValue }

    func register(_ call: ActiveCall) { calls.withLock { $0[call.id] = call } }

    func unregister(_ call: ActiveCall) {
        calls.withLock { _ = $0.removeValue(forKey: call.id) }
        ended.withLock { ended in
            ended.calls[ended.next] = call
            ended.next = (ended.next + 1) % ended.calls.count
        }
    }

    func call(_ id: UInt64) -> ActiveCall? { calls.withLock { $0[id] } }

    /// The call `id`, running or among the last that ended.
    func recentCall(_ id: UInt64) -> ActiveCall? {
        call(id) ?? ended.withLock { ended in ended.calls.first { $0?.id == id } ?? nil }
    }
}
