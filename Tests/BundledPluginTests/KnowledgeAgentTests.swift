import AgentHostCore
import AgentHostTestSupport
import Foundation
import Testing

/// The Knowledge agent (C) ranks passages with BM25.
@Suite final class KnowledgeAgentTests {
    let host: AgentHost
    let corpus: TemporaryFolder

    init() throws {
        corpus = try TemporaryFolder("corpus")
        // The corpus is the workspace: the manifest's paths are ["$WORKSPACE"].
        var policy = Policy.standard
        policy.workspace = corpus.url.path
        host = AgentHost(searchPath: PackagePaths.searchPath(PackagePaths.bundledPluginFolder(target: "KnowledgeAgent")), policy: policy)
        try corpus.file("guide/install.md", """
            # Installing

            Install the toolchain first.
            Then install libffi with apt.

            Run the tests with swift test.
            """)
        try corpus.file("ranking.txt", """
            BM25 ranks passages. BM25 weighs rare terms more than common terms.

            Cooking pasta needs salted water.
            """)
        try corpus.file("notes.md", "Passages about ranking are rare here; BM25 appears once.\n")
        try corpus.file(".hidden/secret.md", "BM25 BM25 BM25 in a hidden folder must not be indexed.\n")
        try corpus.file("image.png", "BM25 in a file that is not text")
    }

    deinit { corpus.remove() }

    func search(_ input: [String: Any]) throws -> [String: Any] {
        let payload = try JSONSerialization.data(withJSONObject: input)
        let response = try host.call("knowledge.search", payload: Array(payload))
        return try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    @Test func ranksThePassageThatIsMostAboutTheQueryFirst() throws {
        let answer = try search(["query": "BM25 ranking", "root": corpus.url.path])
        let results = try #require(answer["results"] as? [[String: Any]])
        #expect(answer["files"] as? Int == 3)
        #expect(answer["passages"] as? Int == 6)
        #expect(results.count == 2)
        #expect(results[0]["file"] as? String == "ranking.txt")
        #expect(results[0]["line"] as? Int == 1)
        #expect(results[1]["file"] as? String == "notes.md")
        let scores = results.compactMap { $0["score"] as? Double }
        #expect(scores == scores.sorted(by: >))
        #expect(!results.contains { ($0["file"] as? String)?.contains("hidden") == true })
    }

    @Test func scoresAreBM25() throws {
        // Passages (after stopwords and stemming):
        //   ranking.txt:1  bm25 rank passage bm25 weigh rare term more common term   (10 tokens, bm25 tf 2)
        //   notes.md:1     passage about rank rare here bm25 appear once              (8 tokens, bm25 tf 1)
        //   and 4 passages without "bm25": 6 passages, average length L.
        let answer = try search(["query": "bm25", "root": corpus.url.path, "top_k": 10])
        let results = try #require(answer["results"] as? [[String: Any]])
        let lengths: [Double] = [1, 6, 4, 10, 5, 8]  // install.md: heading, lines 3-4, line 6; ranking.txt x2; notes.md
        let average = lengths.reduce(0, +) / Double(lengths.count)
        let idf = log(1 + (6 - 2 + 0.5) / (2 + 0.5))
        func bm25(tf: Double, length: Double) -> Double { idf * tf * 2.2 / (tf + 1.2 * (1 - 0.75 + 0.75 * length / average)) }
        #expect(abs((results[0]["score"] as? Double ?? 0) - bm25(tf: 2, length: 10)) < 0.0001)
        #expect(abs((results[1]["score"] as? Double ?? 0) - bm25(tf: 1, length: 8)) < 0.0001)
    }

    @Test func honoursTopKAndReportsLinesOfLaterPassages() throws {
        let answer = try search(["query": "install tests", "root": corpus.url.path, "top_k": 1])
        let results = try #require(answer["results"] as? [[String: Any]])
        #expect(results.count == 1)
        #expect(results[0]["file"] as? String == "guide/install.md")
        // "test" occurs only in line 6's passage, so its rarity outweighs "install" twice in lines 3-4.
        #expect(results[0]["line"] as? Int == 6)
    }

    @Test func aQueryWithNoMatchAnswersNoResults() throws {
        let answer = try search(["query": "kubernetes", "root": corpus.url.path])
        #expect((answer["results"] as? [Any])?.isEmpty == true)
    }

    @Test(arguments: [
        (#"{"root": "/tmp"}"#, "needs \"query\""),
        (#"{"query": "", "root": "/tmp"}"#, "needs \"query\""),
        (#"{"query": "x", "root": "/tmp", "top_k": 0}"#, "top_k"),
        (#"{"query": "x", "root": "/tmp", "top_k": "5"}"#, "top_k"),
        (#"{"query": "x", "root": "/tmp",}"#, "expects a JSON object"),
        (#"[1, 2]"#, "expects a JSON object"),
    ])
    func badInputIsAnInvalidArgument(payload: String, expected: String) {
        #expect {
            try host.call("knowledge.search", json: payload)
        } throws: { error in
            guard case AgentCallError.agentFailed("agenthost.knowledge", _, .invalidArgument, let message) = error else { return false }
            return message.contains(expected)
        }
    }

    @Test func aRootThatIsNotAFolderIsNotFound() {
        #expect {
            try host.call("knowledge.search", json: #"{"query": "x", "root": "missing/folder"}"#)
        } throws: { error in
            guard case AgentCallError.agentFailed(_, _, .notFound, let message) = error else { return false }
            return message.contains("missing/folder")
        }
    }

    @Test func aRootOutsideTheWorkspaceIsRefusedByTheHost() throws {
        let outside = try TemporaryFolder("outside")
        defer { outside.remove() }
        try outside.file("secret.md", "BM25 secrets\n")
        // A link inside the workspace that points out of it is refused just the same.
        try FileManager.default.createSymbolicLink(atPath: corpus.url.appendingPathComponent("escape").path, withDestinationPath: outside.url.path)
        for root in [outside.url.path, "escape", "guide/../../"] {
            #expect {
                try host.call("knowledge.search", json: #"{"query": "bm25", "root": "\#(root)"}"#)
            } throws: { error in
                guard case AgentCallError.agentFailed(_, _, .denied, let message) = error else { return false }
                return message.contains("outside what 'agenthost.knowledge' declares")
            }
        }
    }

    @Test func unchangedFilesAreNotReadAgain() throws {
        let first = try search(["query": "bm25"])
        #expect(first["files_read"] as? Int == 3)
        let second = try search(["query": "bm25"])
        #expect(second["files_read"] as? Int == 0)
        #expect(second["files_reused"] as? Int == 3)
        // A changed file (new size) is read again; a new one is read; a removed one is gone.
        try corpus.file("notes.md", "Passages about ranking are rare here; BM25 appears twice: BM25.\n")
        try corpus.file("added.md", "A new note about BM25.\n")
        try FileManager.default.removeItem(at: corpus.url.appendingPathComponent("ranking.txt"))
        let third = try search(["query": "bm25"])
        #expect(third["files_read"] as? Int == 2)
        #expect(third["files_reused"] as? Int == 1)
        #expect(third["files"] as? Int == 3)
        let files = (third["results"] as? [[String: Any]] ?? []).compactMap { $0["file"] as? String }
        #expect(Set(files) == ["notes.md", "added.md"])
    }

    @Test func headingsPathsAndPhrasesLiftAPassage() throws {
        try corpus.file("docs/retries.md", """
            # Retry budget

            Each run has a limit on how many attempts it may spend.

            # Other

            A budget for the retry of each run is also mentioned here, in passing.
            """)
        let answer = try search(["query": "retry budget", "root": "docs"])
        let results = try #require(answer["results"] as? [[String: Any]])
        #expect(results.first?["heading"] as? String == "Retry budget")
        #expect(results.first?["line"] as? Int == 1)
        // The phrase "retry budget" side by side outranks the same words apart.
        try corpus.file("docs/phrase.md", "The retry budget is spent.\n\nThe budget, and a retry later.\n")
        let phrase = try #require(try search(["query": "retry budget", "root": "docs"])["results"] as? [[String: Any]])
        let lines = phrase.filter { $0["file"] as? String == "phrase.md" }.compactMap { $0["line"] as? Int }
        #expect(lines == [1, 3])
    }

    @Test func htmlAndSourceFilesAreIndexed() throws {
        try corpus.file("site/page.html", """
            <html><head><title>Lease manager</title><style>.lease { color: red }</style></head>
            <body>
            <h2>Leases</h2>
            <p>Leases are granted all or nothing, so two requests never deadlock.</p>
            <script>var lease = "not text";</script>
            </body></html>
            """)
        try corpus.file("src/lease.swift", "/// Grants leases all or nothing.\nfunc grant() {}\n")
        let results = try #require(try search(["query": "deadlock leases", "root": "."])["results"] as? [[String: Any]])
        let first = try #require(results.first)
        #expect(first["file"] as? String == "site/page.html")
        #expect(first["heading"] as? String == "Leases")
        #expect((first["text"] as? String)?.contains("<p>") == false)
        #expect(!results.contains { ($0["text"] as? String)?.contains("color: red") == true })
        #expect(results.contains { $0["file"] as? String == "src/lease.swift" })
    }

    func call(_ capability: String, _ input: [String: Any]) throws -> [String: Any] {
        let response = try host.call(capability, payload: Array(try JSONSerialization.data(withJSONObject: input)))
        return try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    @Test func answersWithDistinctPassagesAndCitations() throws {
        try corpus.file("faq/one.md", "Install libffi with apt before building the host.\n")
        try corpus.file("faq/copy.md", "Install libffi with apt before building the host.\n")
        let answer = try call("knowledge.answer", ["query": "install libffi", "root": "faq", "top_k": 3])
        let citations = try #require(answer["citations"] as? [[String: Any]])
        #expect(citations.count == 1, "the copy is a duplicate: \(citations)")
        #expect(answer["duplicates_dropped"] as? Int == 1)
        #expect((answer["answer"] as? String)?.hasSuffix("[1]") == true)
        #expect(citations.first?["n"] as? Int == 1)
        #expect(citations.first?["line"] as? Int == 1)
        let nothing = try call("knowledge.answer", ["query": "kubernetes", "root": "faq"])
        #expect((nothing["citations"] as? [Any])?.isEmpty == true)
    }

    @Test func weighsEvidenceForAndAgainstAClaim() throws {
        try corpus.file("claims/a.md", "Backtracking goes one level deep in this release.\n")
        try corpus.file("claims/b.md", "Backtracking does not go more than one level deep.\n")
        try corpus.file("claims/c.md", "Leases are per host process.\n")
        let evidence = try call("knowledge.evidence", ["claim": "backtracking goes one level deep", "root": "claims"])
        let supporting = try #require(evidence["supporting"] as? [[String: Any]])
        let contradicting = try #require(evidence["contradicting"] as? [[String: Any]])
        #expect(supporting.map { $0["file"] as? String } == ["a.md"])
        #expect(contradicting.map { $0["file"] as? String } == ["b.md"])
        #expect(evidence["verdict"] as? String == "disputed" || evidence["verdict"] as? String == "mostly supported")
        let unrelated = try call("knowledge.evidence", ["claim": "the moon is made of cheese", "root": "claims"])
        #expect(unrelated["verdict"] as? String == "not enough evidence")
    }
}
