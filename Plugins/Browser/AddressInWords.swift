import Foundation

/// The web address in a task written in words ("fetch https://example.org/docs
/// and read it"), so the URL fields also take plain language.
enum AddressInWords {
    /// The first `http://` or `https://` word of `text` without the punctuation
    /// that ends a sentence around it, or `text` trimmed when it has none (it
    /// is then refused as not a URL, with its own words in the message).
    static func address(in text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        for word in trimmed.split(whereSeparator: \.isWhitespace) {
            let lower = word.lowercased()
            guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else { continue }
            var address = Substring(word)
            while let last = address.last, ".,;:!?)]}>\"'".contains(last) { address.removeLast() }
            while let first = address.first, "([{<\"'".contains(first) { address.removeFirst() }
            return String(address)
        }
        return trimmed
    }
}
