import Synchronization

/// Key-value memory the agents of one run or conversation share through the
/// `context_get` and `context_set` callbacks. Values are UTF-8 JSON bytes,
/// kept as given. Reads are served from memory; when the context belongs to
/// the store (``TaskStore/sharedContext(scope:)``) every change is written
/// through to it before `setValue` returns.
public final class SharedContext: Sendable {
    private let values: Mutex<[String: [UInt8]]>
    private let writeThrough: (@Sendable (String, [UInt8]?) -> Void)?

    /// A context in memory only.
    public init() {
        values = Mutex([:])
        writeThrough = nil
    }

    init(values: [String: [UInt8]], writeThrough: @escaping @Sendable (String, [UInt8]?) -> Void) {
        self.values = Mutex(values)
        self.writeThrough = writeThrough
    }

    public func value(for key: String) -> [UInt8]? { values.withLock { $0[key] } }

    /// Sets `key`, or removes it when `value` is nil.
    public func setValue(_ value: [UInt8]?, for key: String) {
        values.withLock { $0[key] = value }
        writeThrough?(key, value)
    }

}
