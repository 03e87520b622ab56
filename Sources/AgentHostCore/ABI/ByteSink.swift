import CAgentHost

/// Collects what the other side writes into an `ah_sink` during one call.
final class ByteSink {
    private(set) var bytes: [UInt8] = []

    /// Runs `body` with a sink that appends to this collector; the sink must
    /// not be used after `body` returns (the ABI's rule for sinks).
    func withSink<R>(_ body: (ah_sink) throws -> R) rethrows -> R {
        try withExtendedLifetime(self) {
            try body(ah_sink(context: Unmanaged.passUnretained(self).toOpaque(), write: ByteSink.write))
        }
    }

    var text: String { String(decoding: bytes, as: UTF8.self) }

    private static let write: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?, Int) -> Void = { context, data, length in
        guard let context, let data, length > 0 else { return }
        let sink = Unmanaged<ByteSink>.fromOpaque(context).takeUnretainedValue()
        sink.bytes.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length))
    }
}

extension ah_sink {
    /// Writes `bytes` to a sink the plugin gave the host.
    func send(_ bytes: some Collection<UInt8>) {
        guard let write else { return }
        var bytes = Array(bytes)
        bytes.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.map { write(context, UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self), buffer.count) }
        }
    }

    func send(_ text: String) { send(text.utf8) }
}

extension ah_str {
    /// The bytes as a Swift string (invalid UTF-8 is repaired, never trusted).
    var string: String {
        guard let data, len > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: len), as: UTF8.self)
    }

    var bytes: [UInt8] {
        guard let data, len > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: data, count: len))
    }
}
