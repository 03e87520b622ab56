import Synchronization

/// The calls running in this process, by `call_id`. Host callbacks carry only
/// that scalar (so a plugin could run out of process), and find their call here.
final class CallRegistry: Sendable {
    static let shared = CallRegistry()

    private let nextID = Atomic<UInt64>(1)
    private let calls = Mutex<[UInt64: ActiveCall]>([:])

    func makeID() -> UInt64 { nextID.wrappingAdd(1, ordering: .relaxed).oldValue }

    func register(_ call: ActiveCall) { calls.withLock { $0[call.id] = call } }

    func unregister(_ call: ActiveCall) { calls.withLock { _ = $0.removeValue(forKey: call.id) } }

    func call(_ id: UInt64) -> ActiveCall? { calls.withLock { $0[id] } }
}
