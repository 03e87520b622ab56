import Foundation

/// Text a person gives the host (a file, an option, a line on stdin),
/// checked before anything reads it: UTF-8, and no NUL byte (a file with
/// one is not text). A problem names the byte and its line; the bytes
/// themselves are never echoed.
public enum TextInput {
    /// `bytes` as a string, or why they are not `kind` ("a policy file (YAML)", "--input").
    public static func decode(_ bytes: some Collection<UInt8>, kind: String) throws(TextInputError) -> String {
        let array = Array(bytes)
        if let position = UTF8Check.firstInvalidByte(in: array) {
            throw TextInputError(line: line(of: position, in: array), problem: String(
                format: "is not UTF-8 text: byte %d (0x%02X) is not part of a UTF-8 character; %@ must be UTF-8",
                position, array[position], kind))
        }
        if let position = array.firstIndex(of: 0) {
            throw TextInputError(line: line(of: position, in: array), problem: "is not text: byte \(position) is NUL; \(kind) must be text")
        }
        return String(decoding: array, as: UTF8.self)
    }

    /// The first byte of `bytes` that is not UTF-8, if any.
    public static func firstInvalidByte(in bytes: [UInt8]) -> Int? { UTF8Check.firstInvalidByte(in: bytes) }

    private static func line(of position: Int, in bytes: [UInt8]) -> Int {
        bytes[..<position].reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
    }
}

/// Input that is not the text it should be.
public struct TextInputError: Error, Sendable, CustomStringConvertible {
    /// The line the bad byte is on, counted from 1.
    public let line: Int?
    public let problem: String

    public var description: String { problem }
}
