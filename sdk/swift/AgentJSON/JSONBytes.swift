extension JSONValue {
    /// Whether `bytes` are one complete JSON value (RFC 8259), checked by the
    /// byte scanner without building anything.
    public static func isJSON(_ bytes: [UInt8]) -> Bool { JSONBytes.isValid(bytes) }

    /// Compact JSON with object keys sorted, so equal values give equal bytes.
    public var canonicalBytes: [UInt8] {
        var out: [UInt8] = []
        write(to: &out)
        return out
    }

    public var canonicalText: String { String(decoding: canonicalBytes, as: UTF8.self) }

    /// Appends the compact JSON of this value, object keys sorted.
    public func write(to out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let value): out.append(contentsOf: (value ? "true" : "false").utf8)
        case .number(let value):
            if value.rounded() == value, abs(value) < 1e15 {
                out.append(contentsOf: String(Int64(value)).utf8)
            } else if !value.isFinite {
                out.append(contentsOf: "null".utf8)  // JSON has no infinity or NaN
            } else {
                out.append(contentsOf: String(value).utf8)
            }
        case .string(let value): JSONBytes.appendQuoted(value.utf8, to: &out)
        case .array(let values):
            out.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                value.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let fields):
            out.append(UInt8(ascii: "{"))
            for (index, key) in fields.keys.sorted().enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONBytes.appendQuoted(key.utf8, to: &out)
                out.append(UInt8(ascii: ":"))
                fields[key]!.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// The value at a path of object keys (and array indices), if any.
    public func value(at path: some Sequence<String>) -> JSONValue? {
        var current = self
        for key in path {
            switch current {
            case .object(let fields):
                guard let next = fields[key] else { return nil }
                current = next
            case .array(let values):
                guard let index = Int(key), values.indices.contains(index) else { return nil }
                current = values[index]
            default:
                return nil
            }
        }
        return current
    }

    /// The text of a string, the JSON of anything else.
    public var text: String {
        if case .string(let value) = self { return value }
        return canonicalText
    }
}

/// Why bytes are not the JSON they should be.
public struct JSONValueError: Error, Sendable, CustomStringConvertible {
    public let problem: String
    public var description: String { problem }

    public init(problem: String) {
        self.problem = problem
    }
}

/// Byte-level JSON helpers for the hot path, where Foundation's JSON costs
/// microseconds: a validating scanner (RFC 8259), paths found without a
/// parse, and escaping.
public enum JSONBytes {
    /// Appends `text` as a JSON string literal, escaped.
    public static func appendQuoted(_ text: some Collection<UInt8>, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        appendEscaped(text, to: &out)
        out.append(UInt8(ascii: "\""))
    }

    /// Appends `text` escaped for the inside of a JSON string literal: runs
    /// of plain bytes are copied whole; only `"`, `\\` and control characters are escaped.
    public static func appendEscaped(_ text: some Collection<UInt8>, to out: inout [UInt8]) {
        let done: Void? = text.withContiguousStorageIfAvailable { appendEscaped($0, to: &out) }
        if done == nil { Array(text).withUnsafeBufferPointer { appendEscaped($0, to: &out) } }
    }

    public static func appendEscaped(_ text: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        var runStart = 0
        for index in 0..<text.count {
            let byte = text[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            if runStart < index { out.append(contentsOf: UnsafeBufferPointer(rebasing: text[runStart..<index])) }
            runStart = index + 1
            out.append(UInt8(ascii: "\\"))
            switch byte {
            case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "\n"): out.append(UInt8(ascii: "n"))
            case UInt8(ascii: "\r"): out.append(UInt8(ascii: "r"))
            case UInt8(ascii: "\t"): out.append(UInt8(ascii: "t"))
            default:
                out.append(UInt8(ascii: "u"))
                out.append(0x30)
                out.append(0x30)
                out.append(hexDigit(byte >> 4))
                out.append(hexDigit(byte & 15))
            }
        }
        if runStart < text.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: text[runStart...])) }
    }

    @inline(__always)
    static func hexDigit(_ value: UInt8) -> UInt8 { value < 10 ? 0x30 + value : 0x61 + value - 10 }

    /// Whether `bytes` are one complete JSON value, checked without building it.
    public static func isValid(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            var scanner = Scanner(bytes: buffer)
            guard scanner.value(depth: 0) else { return false }
            scanner.skipSpace()
            return scanner.index == buffer.count
        }
    }

    /// `object` with the string `text` under `field` when its top level has no
    /// `field` yet; unchanged when it has, or when it is not a JSON object.
    /// One scan and one copy, no parse.
    public static func setting(field: String, toText text: String, in object: [UInt8]) -> [UInt8] {
        guard let open = object.firstIndex(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }),
              object[open] == UInt8(ascii: "{"), range(at: [field], in: object) == nil else { return object }
        let rest = object[(open + 1)...]
        let empty = rest.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) == UInt8(ascii: "}")
        var out: [UInt8] = []
        out.reserveCapacity(object.count + field.utf8.count + text.utf8.count + 6)
        out += object[...open]
        appendQuoted(field.utf8, to: &out)
        out.append(UInt8(ascii: ":"))
        appendQuoted(text.utf8, to: &out)
        if !empty { out.append(UInt8(ascii: ",")) }
        out += rest
        return out
    }

    /// Where the value at `path` (object keys, array indices) lies in
    /// `bytes`, found by scanning without building anything; nil when the
    /// path does not lead to a value or the bytes are not JSON.
    public static func range(at path: [String], in bytes: [UInt8]) -> Range<Int>? {
        bytes.withUnsafeBufferPointer { range(at: path, in: $0) }
    }

    private static func range(at path: [String], in bytes: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        var scanner = Scanner(bytes: bytes)
        var depth = 0
        for key in path {
            scanner.skipSpace()
            guard scanner.index < bytes.count else { return nil }
            if bytes[scanner.index] == UInt8(ascii: "{") {
                scanner.index += 1
                // Until the key is found; any other way out returns nil.
                while true {
                    scanner.skipSpace()
                    guard scanner.index < bytes.count, bytes[scanner.index] == UInt8(ascii: "\"") else { return nil }
                    let keyStart = scanner.index + 1
                    guard scanner.string() else { return nil }
                    let name = bytes[keyStart..<(scanner.index - 1)]
                    guard scanner.expect(UInt8(ascii: ":")) else { return nil }
                    if name.elementsEqual(key.utf8) { break }
                    guard scanner.value(depth: depth + 1) else { return nil }
                    scanner.skipSpace()
                    guard scanner.index < bytes.count, bytes[scanner.index] == UInt8(ascii: ",") else { return nil }
                    scanner.index += 1
                }
            } else if bytes[scanner.index] == UInt8(ascii: "["), let wanted = Int(key), wanted >= 0 {
                scanner.index += 1
                for _ in 0..<wanted {
                    guard scanner.value(depth: depth + 1) else { return nil }
                    guard scanner.expect(UInt8(ascii: ",")) else { return nil }
                }
            } else {
                return nil
            }
            depth += 1
        }
        scanner.skipSpace()
        let start = scanner.index
        guard scanner.value(depth: depth) else { return nil }
        return start..<scanner.index
    }

    struct Scanner {
        /// Read in place: the scan copies and retains nothing.
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>, index: Int = 0) {
            self.bytes = bytes
            self.index = index
        }

        mutating func skipSpace() {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
                index += 1
            }
        }

        mutating func value(depth: Int) -> Bool {
            guard depth < 512 else { return false }
            skipSpace()
            guard index < bytes.count else { return false }
            switch bytes[index] {
            case UInt8(ascii: "{"):
                index += 1
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return true }
                while true {
                    skipSpace()
                    guard string(), expect(UInt8(ascii: ":")), value(depth: depth + 1) else { return false }
                    skipSpace()
                    guard index < bytes.count else { return false }
                    if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                    return expect(UInt8(ascii: "}"))
                }
            case UInt8(ascii: "["):
                index += 1
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return true }
                while true {
                    guard value(depth: depth + 1) else { return false }
                    skipSpace()
                    guard index < bytes.count else { return false }
                    if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                    return expect(UInt8(ascii: "]"))
                }
            case UInt8(ascii: "\""): return string()
            case UInt8(ascii: "t"): return word("true")
            case UInt8(ascii: "f"): return word("false")
            case UInt8(ascii: "n"): return word("null")
            default: return number()
            }
        }

        mutating func expect(_ byte: UInt8) -> Bool {
            skipSpace()
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        mutating func word(_ text: StaticString) -> Bool {
            let count = text.utf8CodeUnitCount
            guard index + count <= bytes.count else { return false }
            for offset in 0..<count where bytes[index + offset] != text.utf8Start[offset] { return false }
            index += count
            return true
        }

        /// A string as RFC 8259 has it: no raw control characters, only the
        /// escapes it names, and `\\u` with four hex digits, a high surrogate
        /// always followed by a low one.
        mutating func string() -> Bool {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return false }
            index += 1
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") { index += 1; return true }
                if byte < 0x20 { return false }
                guard byte == UInt8(ascii: "\\") else { index += 1; continue }
                guard index + 1 < bytes.count else { return false }
                switch bytes[index + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    index += 2
                case UInt8(ascii: "u"):
                    guard let unit = hex4(at: index + 2) else { return false }
                    index += 6
                    if unit >= 0xDC00 && unit <= 0xDFFF { return false }
                    if unit >= 0xD800 && unit <= 0xDBFF {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u"),
                              let low = hex4(at: index + 2), low >= 0xDC00 && low <= 0xDFFF else { return false }
                        index += 6
                    }
                default:
                    return false
                }
            }
            return false
        }

        /// The four hex digits at `start` as a number, or nil.
        func hex4(at start: Int) -> UInt32? {
            guard start + 4 <= bytes.count else { return nil }
            var value: UInt32 = 0
            for offset in 0..<4 {
                let byte = bytes[start + offset]
                let digit: UInt8
                switch byte {
                case 0x30...0x39: digit = byte - 0x30
                case 0x41...0x46: digit = byte - 0x41 + 10
                case 0x61...0x66: digit = byte - 0x61 + 10
                default: return nil
                }
                value = value << 4 | UInt32(digit)
            }
            return value
        }

        /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, within Double's range.
        mutating func number() -> Bool {
            let start = index
            func digits() -> Int {
                let start = index
                while index < bytes.count, bytes[index] >= 0x30 && bytes[index] <= 0x39 { index += 1 }
                return index - start
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count else { return false }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
            } else {
                guard digits() > 0 else { return false }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard digits() > 0 else { return false }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                guard digits() > 0 else { return false }
                return isFinite(start..<index)
            }
            // Without an exponent only a very long run of digits can pass Double's range.
            return index - start < 300 || isFinite(start..<index)
        }

        /// Whether the number in `range` is within Double's range, as every JSON reader the host meets needs.
        func isFinite(_ range: Range<Int>) -> Bool {
            Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self))?.isFinite ?? false
        }
    }
}
