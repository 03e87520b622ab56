@testable import AgentHostDirectory
import AgentHostTestSupport
import Foundation
import Testing
import ZIPFoundation

/// The pieces a directory's answers rest on: the search, version ranges, and
/// the archive reader's refusals, checked on their own.
@Suite struct SearchAndVersionTests {
    static func index(_ plugins: [(id: String, name: String, description: String, keywords: [String])]) throws -> DirectoryIndex {
        let entries = plugins.map { plugin in
            #"{"id":"\#(plugin.id)","name":"\#(plugin.name)","description":"\#(plugin.description)","keywords":[\#(plugin.keywords.map { "\"\($0)\"" }.joined(separator: ","))],"releases":[{"version":"1.0.0","platform":{"os":"linux","arch":"x86_64"},"abi":{"major":1,"minor":0},"host_versions":"*","capabilities":[{"name":"\#(plugin.id).run","description":"Runs \#(plugin.name).","keywords":[],"states":["EXECUTING"]}],"tools":[],"permissions":{"network":[],"paths":[],"commands":[],"timeout_ms":1000,"max_output_bytes":1000},"limits":{},"file":"x","size":1,"sha256":"00","published":"2026-01-01T00:00:00Z"}]}"#
        }
        let text = #"{"format":1,"name":"t","version":1,"published":"2026-01-01T00:00:00Z","expires":"2030-01-01T00:00:00Z","plugins":[\#(entries.joined(separator: ","))]}"#
        return try JSONDecoder.directory.decode(DirectoryIndex.self, from: Data(text.utf8))
    }

    @Test func searchRanksIdThenNameThenCapabilityThenKeywordThenText() throws {
        let index = try Self.index([
            ("acme.pdf", "PDF Tools", "Reads documents.", []),
            ("acme.reader", "Document Reader", "Reads PDF files and tables.", []),
            ("acme.tables", "Tables", "Lays out rows.", ["pdf"]),
            ("acme.other", "Other", "Nothing alike; pdfx is not a keyword.", ["pdfx"]),
        ])
        let search = PluginSearch([("t", index)])
        #expect(search.search("pdf").map(\.plugin.id) == ["acme.pdf", "acme.tables", "acme.other", "acme.reader"])
        #expect(search.search("pdf").map(\.score) == [40, 20, 10, 10], "a keyword matches whole words only: pdfx is text")
        #expect(search.search("acme.pdf").first?.score == 100)
        #expect(search.search("PDF tables").map(\.plugin.id) == ["acme.tables", "acme.reader"], "every word must match")
        #expect(search.search("").count == 4)
        #expect(search.search("nothing-here").isEmpty)
        let hit = try #require(search.search("reader").first?.plugin)
        #expect(hit == .init(directory: "t", id: "acme.reader", name: "Document Reader", description: "Reads PDF files and tables.",
                             version: "1.0.0", capabilities: ["acme.reader.run"]))
    }

    @Test func theKeptLinesSearchAsTheIndexDoes() throws {
        let index = try Self.index([("a.one", "One\\tTab", "Line\\nbreak", ["k"]), ("b.two", "Two", "Second", [])])
        let lines = PluginSearch.lines(of: index)
        let kept = try #require(PluginSearch(lines: lines, directory: "t"))
        let direct = PluginSearch([("t", index)])
        for query in ["one", "tab", "break", "k", "second", "b.two", ""] {
            #expect(kept.search(query).map(\.plugin) == direct.search(query).map(\.plugin), "\(query)")
        }
        #expect(PluginSearch(lines: Data("a\tb\n".utf8), directory: "t") == nil, "a damaged line is not read")
        #expect(PluginSearch(lines: lines.dropLast(), directory: "t") == nil, "nor a cut one")
        let merged = PluginSearch(merging: [kept, PluginSearch([("u", try Self.index([("c.three", "Three", "", [])]))])])
        #expect(merged.search("").map(\.plugin.directory) == ["t", "t", "u"])
    }

    @Test func versionRangesReadAsNpmAndCargoWriteThem() throws {
        func admits(_ range: String, _ versions: [String]) throws -> [String] { try versions.filter(VersionRange(range).admits) }
        let versions = ["0.1.0", "0.1.5", "0.2.0", "1.0.0", "1.2.3", "1.9.0", "2.0.0", "2.0.0-beta.1"]
        #expect(try admits("*", versions) == ["0.1.0", "0.1.5", "0.2.0", "1.0.0", "1.2.3", "1.9.0", "2.0.0"])
        #expect(try admits("^1.2", versions) == ["1.2.3", "1.9.0"])
        #expect(try admits("^0.1", versions) == ["0.1.0", "0.1.5"])
        #expect(try admits("~1.2.3", versions) == ["1.2.3"])
        #expect(try admits(">=1 <2", versions) == ["1.0.0", "1.2.3", "1.9.0"])
        #expect(try admits("1.0.0 || >=2", versions) == ["1.0.0", "2.0.0"])
        #expect(try admits(">=2.0.0-beta.1", versions) == ["2.0.0", "2.0.0-beta.1"], "a pre-release only when the range names one")
        #expect(throws: VersionError.self) { try VersionRange(">=banana") }
        #expect(VersionOrder.precedes("1.9.0", "1.10.0") && !VersionOrder.precedes("1.10.0", "1.9.0"))
    }

    /// A package whose entries are written as given: names and kinds a packer would never make.
    private func archive(_ entries: [(String, Entry.EntryType)]) throws -> PackageArchive {
        let folder = try TemporaryFolder("archive")
        defer { folder.remove() }
        let url = folder.url.appendingPathComponent("p.ahpkg")
        let archive = try Archive(url: url, accessMode: .create)
        for (path, type) in entries {
            let data = Data("x".utf8)
            try archive.addEntry(with: path, type: type, uncompressedSize: Int64(type == .file ? 1 : 0), compressionMethod: .none) { _, _ in
                type == .file ? data : Data()
            }
        }
        return PackageArchive(data: try Data(contentsOf: url), name: "p.ahpkg")
    }

    /// Found by `Fuzz/run package`: a central directory that points past the end of the file trapped ZIPFoundation's
    /// in-memory reader. Kept as it was found.
    @Test func anArchiveThatPointsPastItsEndIsRefusedNotATrap() throws {
        let url = PackagePaths.root.appendingPathComponent("Tests/Fixtures/packages/central-directory-past-the-end.ahpkg")
        #expect(throws: PackageError.self) {
            _ = try PackageArchive(data: try Data(contentsOf: url), name: "found").verify(trust: .init(keys: nil, allowsUnsigned: true, source: "test"))
        }
    }

    @Test func theArchiveReaderRefusesPathsLinksAndFolders() throws {
        let trust = PackageArchive.Trust(keys: nil, allowsUnsigned: true, source: "test")
        for (entries, problem) in [([("../escape", Entry.EntryType.file)], "not a plain file name"),
                                   ([("/etc/passwd", .file)], "not a plain file name"),
                                   ([("lib", .directory)], "a package holds plain files only"),
                                   ([("link", .symlink)], "symbolic link"),
                                   ([("a", .file), ("a", .file)], "in it twice"),
                                   ([("plugin.json", .file)], "no package.json")] {
            #expect {
                _ = try archive(entries).verify(trust: trust)
            } throws: { error in
                (error as? PackageError).map { $0.description.contains(problem) } ?? false
            }
        }
    }
}
