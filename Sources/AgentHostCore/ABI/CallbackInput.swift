import CAgentHost

/// Reads what a plugin passes to a host callback: the length is checked
/// against the header's limit before a byte is read, NULL with a length is
/// refused, and text the header calls UTF-8 or JSON must be that.
enum CallbackInput {
    enum Kind {
        case bytes, utf8, json
        /// JSON, or nothing at all (an empty value that removes a key).
        case jsonOrEmpty
    }

    /// The bytes of `text`, or why they are refused, naming `what`.
    static func read(_ text: ah_str, limit: Int, as kind: Kind, what: String) -> Result<[UInt8], CallbackRefusal> {
        guard text.len <= limit else {
            return .failure(CallbackRefusal("\(what) of \(text.len) bytes is over the limit of \(limit) bytes"))
        }
        guard text.data != nil || text.len == 0 else {
            return .failure(CallbackRefusal("\(what) is NULL with a length of \(text.len)"))
        }
        let bytes = text.bytes
        switch kind {
        case .bytes: return .success(bytes)
        case .jsonOrEmpty where bytes.isEmpty: return .success(bytes)
        case .utf8, .json, .jsonOrEmpty:
            if let position = UTF8Check.firstInvalidByte(in: bytes) {
                return .failure(CallbackRefusal("\(what) is not valid UTF-8 (byte \(position))"))
            }
            if kind != .utf8, !JSONBytes.isValid(bytes) { return .failure(CallbackRefusal("\(what) is not one JSON value")) }
            return .success(bytes)
        }
    }

    static func string(_ text: ah_str, limit: Int, what: String) -> Result<String, CallbackRefusal> {
        read(text, limit: limit, as: .utf8, what: what).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// Why a callback refused its input.
struct CallbackRefusal: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
