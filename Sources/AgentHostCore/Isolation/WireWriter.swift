import AgentHostChannel

/// A frame body as `agenthost_channel.h` spells it: little-endian u64
/// scalars and length-prefixed byte strings.
struct WireWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 64) { bytes.reserveCapacity(capacity) }

    mutating func u64(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func str(_ value: some Collection<UInt8>) {
        u64(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func str(_ value: String) { str(value.utf8) }

    /// The frame: header, then this body.
    func frame(_ kind: ahc_kind) -> [UInt8] {
        var frame = [UInt8]()
        frame.reserveCapacity(MemoryLayout<ahc_header>.size + bytes.count)
        var header = ahc_header(kind: kind.rawValue, flags: 0, length: UInt64(bytes.count))
        withUnsafeBytes(of: &header) { frame.append(contentsOf: $0) }
        frame.append(contentsOf: bytes)
        return frame
    }
}

/// Reads a frame body field by field. The child is not trusted: every read
/// is bounds-checked, and a short body marks the reader failed.
struct WireReader {
    let bytes: [UInt8]
    private(set) var offset = 0
    private(set) var failed = false

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func u64() -> UInt64 {
        guard !failed, bytes.count - offset >= 8 else {
            failed = true
            return 0
        }
        var value: UInt64 = 0
        for index in 0..<8 { value |= UInt64(bytes[offset + index]) << (8 * UInt64(index)) }
        offset += 8
        return value
    }

    /// The range of the next byte string in `bytes`.
    mutating func range(limit: Int = Int(AHC_MAX_FRAME_BYTES)) -> Range<Int> {
        let length = u64()
        guard !failed, length <= UInt64(limit), length <= UInt64(bytes.count - offset) else {
            failed = true
            return offset..<offset
        }
        defer { offset += Int(length) }
        return offset..<(offset + Int(length))
    }

    mutating func data(limit: Int = Int(AHC_MAX_FRAME_BYTES)) -> [UInt8] { Array(bytes[range(limit: limit)]) }

    /// A string the child reports about itself (ids, names): bounded, and
    /// invalid UTF-8 repaired, since it is shown, never trusted.
    mutating func text(limit: Int = 4096) -> String { String(decoding: bytes[range(limit: limit)], as: UTF8.self) }
}
