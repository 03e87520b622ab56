import Synchronization

/// Key-value memory the agents of one run share through the `context_get` and
/// `context_set` callbacks. Values are UTF-8 JSON bytes, kept as given.
/// In memory for now; a persistent store replaces it when runs are stored.
public final class SharedContext: Sendable {
    private let values = Mutex<[String: [UInt8]]>([:])

    public init() {}

    public func value(for key: String) -> [UInt8]? { values.withLock { $0[key] } }

    /// Sets `key`, or removes it when `value` is nil.
    public func setValue(_ value: [UInt8]?, for key: String) { values.withLock { $0[key] = value } }
}
