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
    /// The offset of the first byte that does not belong to well-formed UTF-8, or nil.
    static func firstInvalidByte(in bytes: some Collection<UInt8>) -> Int? {
        var index = 0
        var iterator = bytes.makeIterator()
        var pending: [UInt8] = []
        while let byte = iterator.next() {
            if byte < 0x80, pending.isEmpty { index += 1; continue }
            pending.append(byte)
            let need: Int
            switch pending[0] {
            case 0xC2...0xDF: need = 2
            case 0xE0...0xEF: need = 3
            case 0xF0...0xF4: need = 4
            default: return index
            }
            if pending.count > 1 {
                let second = pending[1]
                let lead = pending[0]
                let secondOK: Bool = switch lead {
                case 0xE0: (0xA0...0xBF).contains(second)
                case 0xED: (0x80...0x9F).contains(second)
                case 0xF0: (0x90...0xBF).contains(second)
                case 0xF4: (0x80...0x8F).contains(second)
                default: (0x80...0xBF).contains(second)
                }
                if !secondOK || (pending.count > 2 && !(0x80...0xBF).contains(byte)) { return index }
            }
            if pending.count == need {
                index += need
                pending.removeAll(keepingCapacity: true)
            }
        }
        return pending.isEmpty ? nil : index
    }
}
