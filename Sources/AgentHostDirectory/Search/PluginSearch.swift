/// Finds plugins in one or more indexes by words: every word must match the
/// plugin's id, name, description, a capability (name, description,
/// keywords) or a keyword. Built once per set of indexes (the lowercased
/// text is kept), then each query is a scan of plain byte strings.
public struct PluginSearch: Sendable {
    public struct Hit: Sendable {
        public var directory: String
        public var plugin: DirectoryIndex.Plugin
        public var score: Int
    }

    struct Entry: Sendable {
        var directory: String
        var plugin: DirectoryIndex.Plugin
        /// The fields, lowercased, from the strongest match to the weakest.
        var id: String
        var name: String
        var capabilities: String
        var keywords: [String]
        var text: String
    }

    private let entries: [Entry]

    public var count: Int { entries.count }

    public init(_ indexes: [(directory: String, index: DirectoryIndex)]) {
        entries = indexes.flatMap { directory, index in
            index.plugins.map { plugin in
                let newest = plugin.releases.max { VersionOrder.precedes($0.version, $1.version) }
                let capabilities = newest?.capabilities ?? []
                return Entry(directory: directory, plugin: plugin, id: plugin.id.lowercased(), name: plugin.name.lowercased(),
                             capabilities: capabilities.map(\.name).joined(separator: " ").lowercased(),
                             keywords: (plugin.keywords + capabilities.flatMap(\.keywords)).map { $0.lowercased() },
                             text: ([plugin.description] + capabilities.map(\.description)).joined(separator: " ").lowercased())
            }
        }
    }

    /// The words of a query: lowercased, split at anything but letters, digits, '.', '-' and '_'.
    public static func words(of query: String) -> [String] {
        query.lowercased().split { !($0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_") }.map(String.init)
    }

    /// The plugins that match every word of `query`, best first; every plugin for an empty query.
    public func search(_ query: String, limit: Int = .max) -> [Hit] {
        let words = Self.words(of: query)
        var hits: [Hit] = []
        for entry in entries {
            var total = 0
            for word in words {
                let score = Self.score(word, entry)
                if score == 0 { total = 0; break }
                total += score
            }
            if total > 0 || words.isEmpty { hits.append(Hit(directory: entry.directory, plugin: entry.plugin, score: total)) }
        }
        hits.sort { $0.score != $1.score ? $0.score > $1.score : $0.plugin.id < $1.plugin.id }
        return Array(hits.prefix(limit))
    }

    private static func score(_ word: String, _ entry: Entry) -> Int {
        if entry.id == word { return 100 }
        if entry.id.contains(word) { return 40 }
        if entry.name.contains(word) { return 30 }
        if entry.capabilities.contains(word) { return 25 }
        if entry.keywords.contains(word) { return 20 }
        if entry.text.contains(word) { return 10 }
        return 0
    }
}
