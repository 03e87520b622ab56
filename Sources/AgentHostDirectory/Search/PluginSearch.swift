import Foundation

/// Finds plugins by words: every word must match the plugin's id, name,
/// description, a capability (name, description, keywords) or a keyword.
///
/// Every plugin is one line of tab-separated UTF-8 fields in one buffer, the
/// fields a query matches already lowercased: a query is a byte search
/// (memchr, memcmp) over ranges of that buffer, about a millisecond over
/// 10,000 plugins, and nothing is allocated per plugin. The same lines are
/// what a client keeps beside the index it trusts (``lines``), so a search
/// reads them back without decoding the index.
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

    /// The fields of a line, in order.
    private enum Field: Int, CaseIterable {
        case id, name, description, version, capabilities, lowercasedName, lowercasedKeywords, lowercasedText
    }

    private static let fieldCount = Field.allCases.count

    /// Every line, one after another.
    private let bytes: [UInt8]
    /// Per plugin, where each field starts, and one more: where the next line starts.
    private let bounds: [Int]
    /// Per plugin, which directory it is from.
    private let origins: [Int]
    private let directories: [String]

    public var count: Int { origins.count }

    public init(_ indexes: [(directory: String, index: DirectoryIndex)]) {
        self.init(merging: indexes.map { directory, index in Self(lines: Self.lines(of: index), directory: directory) ?? Self() })
    }

    private init() {
        bytes = []
        bounds = []
        origins = []
        directories = []
    }

    /// A search over the lines ``lines(of:)`` wrote, for the directory `name`; nil when they are damaged.
    init?(lines data: Data, directory: String) {
        let bytes = [UInt8](data)
        var bounds: [Int] = []
        bounds.reserveCapacity(bytes.count / 30)
        var fieldStart = 0, fields = 0
        for (offset, byte) in bytes.enumerated() where byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") {
            bounds.append(fieldStart)
            fields += 1
            fieldStart = offset + 1
            if byte == UInt8(ascii: "\n") {
                guard fields == Self.fieldCount else { return nil }
                fields = 0
            }
        }
        guard fields == 0, fieldStart == bytes.count else { return nil }
        self.bytes = bytes
        self.bounds = bounds
        origins = Array(repeating: 0, count: bounds.count / Self.fieldCount)
        directories = [directory]
    }

    /// One search over several directories' plugins.
    public init(merging searches: [PluginSearch]) {
        var bytes: [UInt8] = [], bounds: [Int] = [], origins: [Int] = [], directories: [String] = []
        for search in searches {
            bounds += search.bounds.map { $0 + bytes.count }
            origins += search.origins.map { $0 + directories.count }
            bytes += search.bytes
            directories += search.directories
        }
        self.bytes = bytes
        self.bounds = bounds
        self.origins = origins
        self.directories = directories
    }

    /// The search line of every plugin of `index`.
    static func lines(of index: DirectoryIndex) -> Data {
        var bytes: [UInt8] = []
        func field(_ text: String, last: Bool = false) {
            // Tabs and newlines separate fields and lines; inside a field they are spaces.
            bytes += text.utf8.lazy.map { $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\n") ? UInt8(ascii: " ") : $0 }
            bytes.append(last ? UInt8(ascii: "\n") : UInt8(ascii: "\t"))
        }
        for plugin in index.plugins {
            let newest = plugin.newest
            let capabilities = newest?.capabilities ?? []
            field(plugin.id.lowercased())
            field(plugin.name)
            field(plugin.description)
            field(newest?.version ?? "")
            field(capabilities.map(\.name).joined(separator: " ").lowercased())
            field(plugin.name.lowercased())
            field((plugin.keywords + capabilities.flatMap(\.keywords)).joined(separator: " ").lowercased())
            field(([plugin.description] + capabilities.map(\.description)).joined(separator: " ").lowercased(), last: true)
        }
        return Data(bytes)
    }

    /// The words of a query: lowercased, split at anything but letters, digits, '.', '-' and '_'.
    public static func words(of query: String) -> [String] {
        query.lowercased().split { !($0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_") }.map(String.init)
    }

    /// The plugins that match every word of `query`, best first; every plugin for an empty query.
    public func search(_ query: String, limit: Int = .max) -> [Hit] {
        let words = Self.words(of: query).map { Array($0.utf8) }
        var scored: [(plugin: Int, score: Int)] = []
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            for plugin in 0..<count {
                var total = 0
                for word in words {
                    let score = score(word, plugin, base)
                    if score == 0 { total = 0; break }
                    total += score
                }
                if total > 0 || words.isEmpty { scored.append((plugin, total)) }
            }
        }
        let hits = scored.map { Hit(plugin: summary(of: $0.plugin), score: $0.score) }
        return Array(hits.sorted { $0.score != $1.score ? $0.score > $1.score : $0.plugin.id < $1.plugin.id }.prefix(limit))
    }

    private func range(_ field: Field, of plugin: Int) -> Range<Int> {
        let start = bounds[plugin * Self.fieldCount + field.rawValue]
        let next = plugin * Self.fieldCount + field.rawValue + 1
        return start..<((next < bounds.count ? bounds[next] : bytes.count) - 1)
    }

    private func text(_ field: Field, of plugin: Int) -> String { String(decoding: bytes[range(field, of: plugin)], as: UTF8.self) }

    private func summary(of plugin: Int) -> Summary {
        Summary(directory: directories[origins[plugin]], id: text(.id, of: plugin), name: text(.name, of: plugin),
                description: text(.description, of: plugin), version: text(.version, of: plugin),
                capabilities: text(.capabilities, of: plugin).split(separator: " ").map(String.init))
    }

    private func score(_ word: [UInt8], _ plugin: Int, _ base: UnsafePointer<UInt8>) -> Int {
        let id = range(.id, of: plugin)
        if id.count == word.count, Self.find(word, in: id, base) { return 100 }
        if Self.find(word, in: id, base) { return 40 }
        if Self.find(word, in: range(.lowercasedName, of: plugin), base) { return 30 }
        if Self.find(word, in: range(.capabilities, of: plugin), base) { return 25 }
        if Self.findWord(word, in: range(.lowercasedKeywords, of: plugin), base) { return 20 }
        if Self.find(word, in: range(.lowercasedText, of: plugin), base) { return 10 }
        return 0
    }

    /// Whether `word` occurs in `range`: memchr to each candidate first byte, memcmp for the rest.
    private static func find(_ word: [UInt8], in range: Range<Int>, _ base: UnsafePointer<UInt8>) -> Bool {
        firstMatch(word, in: range, base, wholeWord: false)
    }

    /// Whether `word` is one of the space-separated words of `range`.
    private static func findWord(_ word: [UInt8], in range: Range<Int>, _ base: UnsafePointer<UInt8>) -> Bool {
        firstMatch(word, in: range, base, wholeWord: true)
    }

    private static func firstMatch(_ word: [UInt8], in range: Range<Int>, _ base: UnsafePointer<UInt8>, wholeWord: Bool) -> Bool {
        guard let first = word.first else { return true }
        guard word.count <= range.count else { return false }
        return word.withUnsafeBufferPointer { wanted in
            guard let wantedBase = wanted.baseAddress else { return false }
            var offset = range.lowerBound
            let last = range.upperBound - word.count
            while offset <= last {
                guard let hit = memchr(base + offset, Int32(first), last - offset + 1) else { return false }
                offset = UnsafePointer(hit.assumingMemoryBound(to: UInt8.self)) - base
                if memcmp(base + offset, wantedBase, word.count) == 0 {
                    guard wholeWord else { return true }
                    let end = offset + word.count
                    if (offset == range.lowerBound || base[offset - 1] == UInt8(ascii: " "))
                        && (end == range.upperBound || base[end] == UInt8(ascii: " ")) { return true }
                }
                offset += 1
            }
            return false
        }
    }
}
