import Foundation

extension PluginSearch {
    /// The search fields of every plugin of `index`, one line each, tab
    /// separated, the fields a query matches already lowercased: what a
    /// client keeps beside the index it trusts, so a search reads a few
    /// megabytes of lines instead of decoding the index.
    static func cacheData(of index: DirectoryIndex) -> Data {
        var bytes: [UInt8] = []
        func field(_ value: some Sequence<UInt8>, last: Bool = false) {
            // Tabs and newlines separate fields and lines; inside a field they are spaces.
            bytes += value.lazy.map { $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\n") ? UInt8(ascii: " ") : $0 }
            bytes.append(last ? UInt8(ascii: "\n") : UInt8(ascii: "\t"))
        }
        for plugin in index.plugins {
            let entry = entry(plugin, directory: "")
            let summary = entry.summary
            for text in [summary.id, summary.name, summary.description, summary.version, summary.capabilities.joined(separator: " ")] {
                field(text.utf8)
            }
            field(entry.name)
            field(Array(entry.keywords.joined(separator: [UInt8(ascii: " ")])))
            field(entry.text, last: true)
        }
        return Data(bytes)
    }

    /// A search over the lines `cacheData` wrote, for the directory `name`; nil when they are damaged.
    static func cached(_ data: Data, directory: String) -> PluginSearch? {
        // As an array: slicing Data byte by byte is several times slower.
        let bytes = [UInt8](data)
        var entries: [Entry] = []
        entries.reserveCapacity(bytes.count / 200)
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            let fields = line.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false)
            guard fields.count == 8 else { return nil }
            func text(_ index: Int) -> String { String(decoding: fields[index], as: UTF8.self) }
            let capabilities = fields[4].split(separator: UInt8(ascii: " ")).map { String(decoding: $0, as: UTF8.self) }
            let summary = Summary(directory: directory, id: text(0), name: text(1), description: text(2), version: text(3), capabilities: capabilities)
            // Ids and capability names are lowercase already (the manifest rules say so).
            entries.append(Entry(summary, id: Array(fields[0]), name: Array(fields[5]), capabilities: Array(fields[4]),
                                 keywords: fields[6].split(separator: UInt8(ascii: " ")).map { Array($0) }, text: Array(fields[7])))
        }
        return PluginSearch(entries: entries)
    }

    /// One search over several directories' plugins.
    public init(merging searches: [PluginSearch]) {
        self.init(entries: searches.flatMap(\.entries))
    }
}
