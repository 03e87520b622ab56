extension JSONValue {
    /// Parses UTF-8 JSON (any value, not only objects and arrays), as RFC 8259
    /// has it: the byte scanner checks the whole text first, so the tree is
    /// built only from valid JSON, in one more pass without Foundation. A key
    /// given twice keeps its last value; nesting deeper than 512 is refused.
    public init(parsing bytes: [UInt8]) throws(JSONValueError) {
        let parsed: Result<JSONValue, JSONValueError> = bytes.withUnsafeBufferPointer { buffer in
            var scanner = JSONBytes.Scanner(bytes: buffer)
            guard scanner.value(depth: 0) else {
                return .failure(JSONValueError(problem: buffer.isEmpty ? "is not JSON: it is empty" : "is not JSON (at byte \(scanner.index))"))
            }
            scanner.skipSpace()
            guard scanner.index == buffer.count else {
                return .failure(JSONValueError(problem: "is not JSON: something follows the value (at byte \(scanner.index))"))
            }
            var builder = JSONBytes.Scanner(bytes: buffer)
            guard let value = builder.build() else {
                return .failure(JSONValueError(problem: "is not JSON: a string is not valid UTF-8 (at byte \(builder.index))"))
            }
            return .success(value)
        }
        self = try parsed.get()
    }
}

/// Building a value, in a second pass over bytes the scanner's first pass
/// found valid: no check is made again; nil only for a string that is not UTF-8.
extension JSONBytes.Scanner {
    mutating func build() -> JSONValue? {
        skipSpace()
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            var fields: [String: JSONValue] = [:]
            skipSpace()
            if bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(fields)
            }
            while true {
                skipSpace()
                guard let key = buildString() else { return nil }
                skipSpace()
                index += 1  // the colon
                guard let value = build() else { return nil }
                fields[key] = value
                skipSpace()
                let separator = bytes[index]
                index += 1
                if separator == UInt8(ascii: "}") { return .object(fields) }
            }
        case UInt8(ascii: "["):
            index += 1
            var values: [JSONValue] = []
            skipSpace()
            if bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(values)
            }
            while true {
                guard let value = build() else { return nil }
                values.append(value)
                skipSpace()
                let separator = bytes[index]
                index += 1
                if separator == UInt8(ascii: "]") { return .array(values) }
            }
        case UInt8(ascii: "\""):
            return buildString().map { .string($0) }
        case UInt8(ascii: "t"):
            index += 4
            return .bool(true)
        case UInt8(ascii: "f"):
            index += 5
            return .bool(false)
        case UInt8(ascii: "n"):
            index += 4
            return .null
        default:
            return .number(buildNumber())
        }
    }

    /// The string starting at the quote under `index`; nil when its bytes are not UTF-8.
    mutating func buildString() -> String? {
        index += 1
        let start = index
        while bytes[index] != UInt8(ascii: "\"") && bytes[index] != UInt8(ascii: "\\") { index += 1 }
        if bytes[index] == UInt8(ascii: "\"") {
            index += 1
            return String(validating: UnsafeBufferPointer(rebasing: bytes[start..<(index - 1)]), as: UTF8.self)
        }
        var text = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while true {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return String(validating: text, as: UTF8.self)
            }
            guard byte == UInt8(ascii: "\\") else {
                text.append(byte)
                index += 1
                continue
            }
            let escape = bytes[index + 1]
            index += 2
            switch escape {
            case UInt8(ascii: "b"): text.append(0x08)
            case UInt8(ascii: "f"): text.append(0x0C)
            case UInt8(ascii: "n"): text.append(0x0A)
            case UInt8(ascii: "r"): text.append(0x0D)
            case UInt8(ascii: "t"): text.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = takeHex4()
                if scalar >= 0xD800 && scalar <= 0xDBFF {  // the scanner saw the low surrogate that must follow
                    index += 2
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (takeHex4() - 0xDC00)
                }
                // Valid by construction: not a lone surrogate, at most 0x10FFFF.
                text.append(contentsOf: UTF8.encode(Unicode.Scalar(scalar)!)!)
            default: text.append(escape)  // \" \\ \/
            }
        }
    }

    /// The four hex digits at `index`, which the first pass checked.
    private mutating func takeHex4() -> UInt32 {
        defer { index += 4 }
        return hex4(at: index) ?? 0
    }

    /// A number the scanner checked: short whole numbers are added up; the rest goes to the standard library.
    mutating func buildNumber() -> Double {
        let start = index
        var whole: Int64 = 0
        var plain = true
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        while index < bytes.count {
            let byte = bytes[index]
            if byte >= 0x30 && byte <= 0x39 {
                whole = whole &* 10 &+ Int64(byte - 0x30)
            } else if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
                        || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") {
                plain = false
            } else {
                break
            }
            index += 1
        }
        let negative = bytes[start] == UInt8(ascii: "-")
        if plain, index - start - (negative ? 1 : 0) <= 15 { return Double(negative ? -whole : whole) }
        return Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)) ?? 0
    }
}
