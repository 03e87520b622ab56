import Foundation

/// A regular expression whose match trips the guardrail, compiled once when
/// the policy is read.
public struct DenyPattern: @unchecked Sendable, Hashable {
    // @unchecked: NSRegularExpression is immutable after init and documented
    // as safe to use from many threads.
    public let pattern: String
    let expression: NSRegularExpression

    public init(_ pattern: String) throws {
        self.pattern = pattern
        expression = try NSRegularExpression(pattern: pattern)
    }

    /// The byte range (in UTF-8) of the first match in `text`, if any.
    func firstMatch(in text: String) -> Range<Int>? {
        let range = NSRange(text.startIndex..., in: text)
        guard let match = expression.firstMatch(in: text, range: range), let found = Range(match.range, in: text) else { return nil }
        let start = text.utf8.distance(from: text.startIndex, to: found.lowerBound)
        return start..<(start + text.utf8.distance(from: found.lowerBound, to: found.upperBound))
    }

    public static func == (a: DenyPattern, b: DenyPattern) -> Bool { a.pattern == b.pattern }
    public func hash(into hasher: inout Hasher) { hasher.combine(pattern) }
}
