import Synchronization

/// Key-value memory the agents of one run or conversation share through the
/// `context_get` and `context_set` callbacks. Values are UTF-8 JSON bytes,
/// kept as given. Reads are served from memory; when the context belongs to
/// the store (``TaskStore/sharedContext(scope:)``) every change is written
/// through to it before `setValue` returns.
public final class SharedContext: Sendable {
    private struct Storage {
        var values: [String: [UInt8]]
        /// Keys and values, in bytes.
        var bytes: Int

        init(_ values: [String: [UInt8]]) {
            self.values = values
            bytes = values.reduce(0) { $0 + $1.key.utf8.count + $1.value.count }
        }

        mutating func set(_ value: [UInt8]?, for key: String) {
            if let old = values[key] { bytes -= key.utf8.count + old.count }
            if let value { bytes += key.utf8.count + value.count }
            values[key] = value
        }
    }

    private let values: Mutex<Storage>
    private let writeThrough: (@Sendable (String, [UInt8]?) -> Void)?

    /// A context in memory only.
    public init() {
        values = Mutex(Storage([:]))
        writeThrough = nil
    }

    init(values: [String: [UInt8]], writeThrough: @escaping @Sendable (String, [UInt8]?) -> Void) {
        self.values = Mutex(Storage(values))
        self.writeThrough = writeThrough
    }

    public func value(for key: String) -> [UInt8]? { values.withLock { $0.values[key] } }

    /// How much one context holds at most, so no plugin can fill the host's
    /// memory (and the store) through `context_set`.
    public static let maximumKeys = 10_000
    public static let maximumBytes = 256 << 20

    /// Sets `key`, or removes it when `value` is nil.
    public func setValue(_ value: [UInt8]?, for key: String) {
        // Written through under the lock, so the store ends with the value memory has.
        values.withLock { storage in
            storage.set(value, for: key)
            writeThrough?(key, value)
        }
    }

    /// Sets `key` like `setValue`, unless that would take the context past
    /// its limits; then nothing changes and the reason is returned.
    func setValueWithinLimits(_ value: [UInt8]?, for key: String) -> String? {
        let refusal: String? = values.withLock { storage in
            if let value {
                let old = storage.values[key].map { key.utf8.count + $0.count } ?? 0
                if storage.values[key] == nil, storage.values.count >= Self.maximumKeys { return "the context holds \(Self.maximumKeys) keys already" }
                if storage.bytes - old + key.utf8.count + value.count > Self.maximumBytes {
                    return "the context would hold more than \(Self.maximumBytes) bytes"
                }
            }
            storage.set(value, for: key)
            writeThrough?(key, value)
            return nil
        }
        return refusal
    }

}
