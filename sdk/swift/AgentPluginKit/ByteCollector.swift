import CAgentHost

/// Receives what the host writes into an `ah_sink` during one callback.
final class ByteCollector {
    private(set) var bytes: [UInt8] = []

    func withSink<R>(_ body: (ah_sink) throws -> R) rethrows -> R {
        try withExtendedLifetime(self) {
            try body(ah_sink(context: Unmanaged.passUnretained(self).toOpaque(), write: ByteCollector.write))
        }
    }

    private static let write: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?, Int) -> Void = { context, data, length in
        guard let context, let data, length > 0 else { return }
        Unmanaged<ByteCollector>.fromOpaque(context).takeUnretainedValue()
            .bytes.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length))
    }
}

/// Runs `body` with an `ah_str` view of `bytes`, valid only inside `body`.
func withStr<R>(_ bytes: some Collection<UInt8>, _ body: (ah_str) throws -> R) rethrows -> R {
    let array = Array(bytes)
    return try array.withUnsafeBufferPointer { buffer in
        try body(ah_str(data: buffer.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, len: buffer.count))
    }
}

extension ah_str {
    var bytes: [UInt8] {
        guard let data, len > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: data, count: len))
    }
}
