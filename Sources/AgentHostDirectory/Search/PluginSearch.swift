import Foundation

/// Finds plugins by words: every word must match the plugin's id, name,
/// description, a capability (name, description, keywords) or a keyword.
/// Built once per set of indexes, with each field kept as lowercased UTF-8,
/// so a query is a byte search (`memmem`) per field: about a millisecond
/// over 10,000 plugins.
public struct PluginSearch: Sendable {
    /// What a search shows of a plugin: its newest release, in brief.
    public struct Summary: Sendable, Hashable {
        public var directory: String
        public var id: String
        public var name: String
        public var description: String
        public var version: String
        public var capabilities: [String]
    }

    public struct Hit: Sendable {
        public var plugin: Summary
        public var score: Int
    }

    struct Entry: Sendable {
        var summary: Summary
        /// The fields, lowercased, from the strongest match to the weakest.
        var id: [UInt8]
        var name: [UInt8]
        var capabilities: [UInt8]
        var keywords: [[UInt8]]
        var text: [UInt8]

        init(_ summary: Summary, keywords: [String], text: String) {
            self.init(summary, id: Array(summary.id.lowercased().utf8), name: Array(summary.name.lowercased().utf8),
                      capabilities: Array(summary.capabilities.joined(separator: " ").lowercased().utf8),
                      keywords: keywords.map { Array($0.lowercased().utf8) }, text: Array(text.lowercased().utf8))
        }

        /// From fields already lowercased.
        init(_ summary: Summary, id: [UInt8], name: [UInt8], capabilities: [UInt8], keywords: [[UInt8]], text: [UInt8]) {
            self.summary = summary
            self.id = id
            self.name = name
            self.capabilities = capabilities
            self.keywords = keywords
            self.text = text
        }
    }

    let entries: [Entry]

    public var count: Int { entries.count }

    public init(_ indexes: [(directory: String, index: DirectoryIndex)]) {
        entries = indexes.flatMap { directory, index in index.plugins.map { Self.entry($0, directory: directory) } }
    }

    init(entries: [Entry]) { self.entries = entries }

    static func entry(_ plugin: DirectoryIndex.Plugin, directory: String) -> Entry {
        let newest = plugin.releases.max { VersionOrder.precedes($0.version, $1.version) }
        let capabilities = newest?.capabilities ?? []
        let summary = Summary(directory: directory, id: plugin.id, name: plugin.name, description: plugin.description,
                              version: newest?.version ?? "", capabilities: capabilities.map(\.name))
        return Entry(summary, keywords: plugin.keywords + capabilities.flatMap(\.keywords),
                     text: ([plugin.description] + capabilities.map(\.description)).joined(separator: " "))
    }

    /// The words of a query: lowercased, split at anything but letters, digits, '.', '-' and '_'.
    public static func words(of query: String) -> [String] {
        query.lowercased().split { !($0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_") }.map(String.init)
    }

    /// The plugins that match every word of `query`, best first; every plugin for an empty query.
    public func search(_ query: String, limit: Int = .max) -> [Hit] {
        let words = Self.words(of: query).map { Array($0.utf8) }
        var hits: [Hit] = []
        for entry in entries {
            var total = 0
            for word in words {
                let score = Self.score(word, entry)
                if score == 0 { total = 0; break }
                total += score
            }
            if total > 0 || words.isEmpty { hits.append(Hit(plugin: entry.summary, score: total)) }
        }
        hits.sort { $0.score != $1.score ? $0.score > $1.score : $0.plugin.id < $1.plugin.id }
        return Array(hits.prefix(limit))
    }

    private static func score(_ word: [UInt8], _ entry: Entry) -> Int {
        if entry.id == word { return 100 }
        if contains(entry.id, word) { return 40 }
        if contains(entry.name, word) { return 30 }
        if contains(entry.capabilities, word) { return 25 }
        if entry.keywords.contains(word) { return 20 }
        if contains(entry.text, word) { return 10 }
        return 0
    }

    /// Whether `needle` occurs in `haystack`: memchr to each candidate first byte, memcmp for the rest.
    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard let first = needle.first else { return true }
        guard needle.count <= haystack.count else { return false }
        return haystack.withUnsafeBufferPointer { text in
            needle.withUnsafeBufferPointer { word in
                guard let start = text.baseAddress, let wanted = word.baseAddress else { return false }
                var offset = 0
                let last = text.count - word.count
                while offset <= last {
                    guard let hit = memchr(start + offset, Int32(first), last - offset + 1) else { return false }
                    offset = hit.assumingMemoryBound(to: UInt8.self) - UnsafeMutablePointer(mutating: start)
                    if memcmp(start + offset, wanted, word.count) == 0 { return true }
                    offset += 1
                }
                return false
            }
        }
    }
}
