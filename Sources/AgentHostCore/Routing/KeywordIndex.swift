/// Every capability's keywords, indexed by their first word, so that matching
/// a text costs one dictionary read per word of the text rather than a scan
/// of every keyword of every capability.
struct KeywordIndex: Sendable {
    private struct Entry: Sendable {
        var candidate: Int
        var keyword: Int
        var phrase: [Substring]
    }

    private let byFirstWord: [Substring: [Entry]]
    /// Each candidate's keywords as written in matches: lowercase words joined by one space.
    private let names: [[String]]

    /// `keywords[i]` are the declared keywords of candidate `i`.
    init(_ keywords: [[String]]) {
        var index: [Substring: [Entry]] = [:]
        var names: [[String]] = []
        for (candidate, declared) in keywords.enumerated() {
            var own: [String] = []
            for phrase in declared.map(Router.words(in:)) where !phrase.isEmpty {
                index[phrase[0], default: []].append(Entry(candidate: candidate, keyword: own.count, phrase: phrase))
                own.append(phrase.joined(separator: " "))
            }
            names.append(own)
        }
        byFirstWord = index
        self.names = names
    }

    /// The candidates with a keyword in `words`, in candidate order, each with
    /// the keywords found (each once, in declaration order).
    func matches(in words: [Substring]) -> [(candidate: Int, keywords: [String])] {
        var found: [Int: [Int]] = [:]
        for (start, word) in words.enumerated() {
            guard let entries = byFirstWord[word] else { continue }
            for entry in entries where start + entry.phrase.count <= words.count {
                guard entry.phrase.indices.allSatisfy({ words[start + $0] == entry.phrase[$0] }) else { continue }
                if !(found[entry.candidate]?.contains(entry.keyword) ?? false) { found[entry.candidate, default: []].append(entry.keyword) }
            }
        }
        return found.keys.sorted().map { candidate in (candidate, found[candidate]!.sorted().map { names[candidate][$0] }) }
    }
}
