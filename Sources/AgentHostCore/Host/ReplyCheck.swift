/// What a plugin's AH_OK reply may be (agenthost.h, "What a reply may be"):
/// UTF-8, not empty, and JSON or text with a DELEGATE block. Checked on every
/// reply, in both modes, before anything is stored or shown.
enum ReplyCheck {
    /// Why `body` is not a reply, or nil when it is one.
    static func problem(in body: [UInt8]) -> String? {
        if body.isEmpty { return "the body is empty" }
        if let position = UTF8Check.firstInvalidByte(in: body) { return "the body is not valid UTF-8 (byte \(position))" }
        if JSONBytes.isValid(body) { return nil }
        if DelegateParser.mayContainAction(body) { return nil }
        return "the body is neither one JSON value nor text with a DELEGATE block"
    }
}

/// UTF-8 validation that says where it failed.
enum UTF8Check {
    /// The offset of the first byte that does not belong to well-formed UTF-8
    /// (no overlongs, surrogates or code points past U+10FFFF), or nil.
    static func firstInvalidByte(in bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBufferPointer { buffer -> Int? in
            guard let base = buffer.baseAddress else { return nil }
            let count = buffer.count
            var index = 0
            while index < count {
                // Eight ASCII bytes at a time: replies are mostly ASCII.
                if index + 8 <= count, UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                    index += 8
                    continue
                }
                let lead = base[index]
                if lead < 0x80 { index += 1; continue }
                let length: Int, secondRange: ClosedRange<UInt8>
                switch lead {
                case 0xC2...0xDF: (length, secondRange) = (2, 0x80...0xBF)
                case 0xE0: (length, secondRange) = (3, 0xA0...0xBF)
                case 0xED: (length, secondRange) = (3, 0x80...0x9F)
                case 0xE1...0xEF: (length, secondRange) = (3, 0x80...0xBF)
                case 0xF0: (length, secondRange) = (4, 0x90...0xBF)
                case 0xF1...0xF3: (length, secondRange) = (4, 0x80...0xBF)
                case 0xF4: (length, secondRange) = (4, 0x80...0x8F)
                default: return index
                }
                guard index + length <= count, secondRange.contains(base[index + 1]) else { return index }
                for offset in 2..<max(2, length) where !(0x80...0xBF).contains(base[index + offset]) { return index }
                index += length
            }
            return nil
        }
    }
}
