/// Writes JSON straight into bytes, fields in the order the caller gives
/// them (a wire format's documented order, an event line's): building a
/// dictionary for JSONSerialization or going through Codable costs several
/// times as much. Commas are placed by the writer: every value, key or
/// container start after a sibling gets one.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    /// A value was written at the current level, so the next one needs a comma.
    private var needsComma = false

    public init(capacity: Int = 1024) {
        bytes.reserveCapacity(capacity)
    }

    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// An object's key; the value written next is its value.
    public mutating func key(_ name: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }  // keys are the caller's own, plain ASCII
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    /// A string the program spells out (an event's type, a fixed word).
    public mutating func string(_ text: StaticString) {
        separate()
        text.withUTF8Buffer { JSONBytes.appendQuoted($0, to: &bytes) }
        needsComma = true
    }

    public mutating func string(_ text: String) {
        separate()
        JSONBytes.appendQuoted(text.utf8, to: &bytes)
        needsComma = true
    }

    public mutating func int(_ value: Int) {
        separate()
        bytes.append(contentsOf: String(value).utf8)
        needsComma = true
    }

    public mutating func double(_ value: Double) {
        separate()
        if !value.isFinite {
            bytes.append(contentsOf: "null".utf8)  // JSON has no infinity or NaN
        } else if value.rounded() == value, abs(value) < 1e15 {
            bytes.append(contentsOf: String(Int64(value)).utf8)
        } else {
            bytes.append(contentsOf: String(value).utf8)
        }
        needsComma = true
    }

    public mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
        needsComma = true
    }

    public mutating func null() {
        separate()
        bytes.append(contentsOf: "null".utf8)
        needsComma = true
    }

    /// A value that is JSON already (a schema, a tool call's arguments object).
    public mutating func raw(_ json: some Collection<UInt8>) {
        separate()
        bytes.append(contentsOf: json)
        needsComma = true
    }

    public mutating func value(_ json: JSONValue) {
        separate()
        json.write(to: &bytes)
        needsComma = true
    }

    /// Ends a line of JSON Lines: a newline, and the next value starts afresh.
    public mutating func endLine() {
        bytes.append(UInt8(ascii: "\n"))
        needsComma = false
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }
}
