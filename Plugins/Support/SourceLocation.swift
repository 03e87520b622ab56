import Foundation

/// A place in a source file, as compilers and test runners print it:
/// `path:line`, `path:line:column`.
public struct SourceLocation: Sendable, Hashable, Codable {
    public var file: String
    public var line: Int
    public var column: Int?

    public init(file: String, line: Int, column: Int? = nil) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// Reads `path:line[:column]` at the start of `text`, returning the
    /// location and what follows it (after the separating colon, trimmed).
    /// The path must look like a file (it has an extension).
    public static func leading(_ text: Substring) -> (SourceLocation, Substring)? {
        var fields = text.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false)
        guard fields.count >= 3, let line = Int(fields[1]), line > 0 else { return nil }
        let file = fields[0].trimmingCharacters(in: .whitespaces)
        guard !file.isEmpty, !file.contains(" ") || file.hasPrefix("/"), file.contains(".") else { return nil }
        var column: Int?
        if fields.count >= 4, let value = Int(fields[2]) {
            column = value
            fields.removeSubrange(0...2)
        } else {
            fields.removeSubrange(0...1)
        }
        let rest = fields.joined(separator: ":").drop { $0 == " " }
        return (SourceLocation(file: file, line: line, column: column), Substring(rest))
    }

    /// Finds `path:line[:column]` anywhere in `text`, after whitespace, a
    /// quote or an opening bracket.
    public static func anywhere(in text: Substring) -> SourceLocation? {
        var start = text.startIndex
        while start < text.endIndex {
            if let (location, _) = leading(text[start...]) { return location }
            guard let next = text[start...].firstIndex(where: { " ('\"[".contains($0) }) else { return nil }
            start = text.index(after: next)
        }
        return nil
    }
}
