/// A command written as one string, split into argv as a POSIX shell would
/// split words: single quotes keep everything, double quotes keep all but
/// `\"` and `\\`, a backslash outside quotes escapes the next character.
/// No variables, globs or pipes: the result is run directly, never by a shell.
public enum ShellWords {
    public struct UnbalancedQuote: Error, CustomStringConvertible {
        public var description: String { "the command has an unclosed quote" }
    }

    public static func split(_ line: String) throws(UnbalancedQuote) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for character in line {
            if escaped {
                current.append(character)
                escaped = false
                continue
            }
            switch (quote, character) {
            case (nil, "\\"), ("\"", "\\"):
                escaped = true
                inWord = true
            case (nil, "'"), (nil, "\""):
                quote = character
                inWord = true
            case (let open?, _) where character == open:
                quote = nil
            case (nil, _) where character.isWhitespace:
                if inWord { words.append(current) }
                current = ""
                inWord = false
            default:
                current.append(character)
                inWord = true
            }
        }
        guard quote == nil, !escaped else { throw UnbalancedQuote() }
        if inWord { words.append(current) }
        return words
    }
}

/// A program and its arguments as an input gives them: a JSON array (argv),
/// or one string split into words as a shell would (quotes kept together).
public struct CommandWords: Decodable, Sendable {
    public var argv: [String]

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let line = try? container.decode(String.self) {
            argv = try ShellWords.split(line)
        } else {
            argv = try container.decode([String].self)
        }
    }
}
