import AgentHostCore
import AgentHostTestSupport
import Foundation
import Testing

/// The Knowledge agent (C) ranks passages with BM25.
@Suite final class KnowledgeAgentTests {
    let host = AgentHost(searchPath: PackagePaths.searchPath(PackagePaths.bundledPluginFolder(target: "KnowledgeAgent")))
    let corpus: TemporaryFolder

    init() throws {
        corpus = try TemporaryFolder("corpus")
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
        (#"{"query": "x"}"#, "needs \"root\""),
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
            try host.call("knowledge.search", json: #"{"query": "x", "root": "/nonexistent/folder"}"#)
        } throws: { error in
            guard case AgentCallError.agentFailed(_, _, .notFound, let message) = error else { return false }
            return message.contains("/nonexistent/folder")
        }
    }

    @Test func typedToolsMatchTheIndex() throws {
        let tokenize = try host.tool("tokenize", of: "agenthost.knowledge")
        #expect(try tokenize.call([.str("The Ranking of Passages, ranked!")], in: .executing) == .str(#"["rank","passage","rank"]"#))
        #expect(try host.tool("is_stopword", of: "agenthost.knowledge").call([.str("The")], in: .executing) == .bool(true))
        #expect(try host.tool("is_stopword", of: "agenthost.knowledge").call([.str("bm25")], in: .executing) == .bool(false))
        let idf = try host.tool("idf", of: "agenthost.knowledge").call([.i64(6), .i64(2)], in: .executing)
        #expect(idf == .f64(log(1 + 4.5 / 2.5)))
        #expect(try host.tool("tf_weight", of: "agenthost.knowledge").call([.f64(1)], in: .executing) == .f64(1))
    }
}
