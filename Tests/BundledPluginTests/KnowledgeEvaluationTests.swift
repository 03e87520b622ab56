import AgentHostCore
import AgentHostTestSupport
import Foundation
import Testing

/// How well the Knowledge agent answers questions about this repository, and
/// that its index outlives the process that built it.
@Suite final class KnowledgeEvaluationTests {
    /// A question a reader of README.md would ask, and a phrase of the README
    /// passage that answers it (from sections that change little: routing,
    /// states, the policy file, workflows, resume, signals).
    struct Question: Sendable, CustomStringConvertible {
        var text: String
        var phrase: String
        var description: String { text }
    }

    static let questions: [Question] = [
        Question(text: "how are plugins loaded", phrase: "The host then loads it with"),
        Question(text: "what does the policy file look like", phrase: "The **policy file is YAML**"),
        Question(text: "how do I resume a run after the host died", phrase: "claims the run in one transaction"),
        Question(text: "what happens on Ctrl-C", phrase: "SIGINT (Ctrl-C) or SIGTERM cancels every running call"),
        Question(text: "how are DELEGATE actions written", phrase: "may hand out work in blocks of"),
        Question(text: "which agent states are there", phrase: "`IDLE -> PLANNING | EXECUTING`"),
        Question(text: "how are tasks routed", phrase: "the capability with the most declared `keywords` found"),
        Question(text: "how do workflows reference earlier steps", phrase: "inserts a step's answer"),
        Question(text: "where is the task database", phrase: "the task database; default"),
        Question(text: "how are programs started by plugins stopped", phrase: "in a process group of its own"),
        Question(text: "when is a host's open work marked interrupted", phrase: "marks its open work `interrupted`"),
        Question(text: "what do the secrets and pii guardrails do", phrase: "take `allow`, `redact`"),
    ]

    /// Measured on this repository with the plugin built alone (a C harness
    /// standing in for the host): 11 of the 12 first (0 before answers
    /// preferred prose). The slack is for documents that change: the README
    /// grows, and sdk/README.md and sdk/MANIFEST.md answer some of these too.
    static let threshold = 9

    @Test func answersQuestionsAboutTheReadmeFromItsOwnPassages() throws {
        // An embedded host without a store: the repository is the workspace,
        // and the plugin has no data folder, so it indexes in memory.
        var policy = Policy.standard
        policy.workspace = PackagePaths.root.path
        let host = AgentHost(searchPath: PackagePaths.searchPath(PackagePaths.bundledPluginFolder(target: "KnowledgeAgent")), policy: policy)
        var hits: [String] = []
        var misses: [String] = []
        for question in Self.questions {
            let payload = try JSONSerialization.data(withJSONObject: ["query": question.text, "root": "."])
            let response = try host.call("knowledge.answer", payload: Array(payload))
            let answer = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
            let citations = answer["citations"] as? [[String: Any]] ?? []
            let passages = answer["passages"] as? [[String: Any]] ?? []
            let cited = citations.first?["file"] as? String
            let text = passages.first?["text"] as? String ?? ""
            let line = "\(question.text) -> \(cited ?? "nothing"):\(citations.first?["line"] as? Int ?? 0)"
            if cited == "README.md", passages.first?["file"] as? String == "README.md", text.contains(question.phrase) {
                hits.append(line)
            } else {
                misses.append(line)
            }
            // The answer is sentences of prose, with its citations.
            #expect((answer["answer"] as? String)?.isEmpty == false, "\(question)")
            #expect(!citations.isEmpty, "\(question)")
        }
        print("knowledge.answer on README.md: \(hits.count) of \(Self.questions.count) answered first by the right passage")
        for miss in misses { print("  missed: \(miss)") }
        #expect(hits.count >= Self.threshold, "hits: \(hits), misses: \(misses)")
    }

    /// Two processes of the built `agenthost` on one state file: the second
    /// reads no file the first already indexed, and a damaged saved index is
    /// ignored rather than trusted.
    @Test func aSecondProcessReusesTheSavedIndex() throws {
        let cli = try CLIHome("knowledge-index")
        let corpus = try TemporaryFolder("knowledge-index-corpus")
        defer { corpus.remove() }
        try corpus.file("guide.md", "# Loading\n\nPlugins are loaded with dlopen, then checked.\n")
        try corpus.file("notes.txt", "BM25 ranks passages.\n")
        try corpus.file("src/load.c", "/* Loads a plugin with dlopen. */\nint load(void) { return 0; }\n")

        func search() throws -> [String: Any] {
            let result = try cli.agenthost(["run", "knowledge.search", "--workspace", corpus.url.path, "--input", #"{"query": "dlopen"}"#])
            #expect(result.status == 0, "\(result.stderr)")
            return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        }
        func places(_ answer: [String: Any]) -> [String] {
            (answer["results"] as? [[String: Any]] ?? []).map { "\($0["file"] as? String ?? ""):\($0["line"] as? Int ?? 0)" }
        }

        let first = try search()
        #expect(first["files_read"] as? Int == 3)
        #expect(first["files_reused"] as? Int == 0)
        let second = try search()
        #expect(second["files_read"] as? Int == 0)
        #expect(second["files_reused"] as? Int == 3)
        #expect(places(second) == places(first))
        #expect(places(first).count == 2)

        // Saved in the plugin's data folder beside the state file.
        let data = cli.home.url.appendingPathComponent("plugin-data/agenthost.knowledge")
        let saved = try FileManager.default.contentsOfDirectory(atPath: data.path).filter { $0.hasPrefix("index-") }
        #expect(saved.count == 1, "\(saved)")

        // A changed file is read again, alone.
        try corpus.file("notes.txt", "BM25 ranks passages; dlopen loads the plugins.\n")
        let third = try search()
        #expect(third["files_read"] as? Int == 1)
        #expect(third["files_reused"] as? Int == 2)

        // A damaged saved index is ignored: the folder is indexed again, with the same results.
        let file = try #require(saved.first)
        try Data("KNIDX, but not an index".utf8).write(to: data.appendingPathComponent(file))
        let fourth = try search()
        #expect(fourth["files_read"] as? Int == 3)
        #expect(places(fourth) == places(third))
        let fifth = try search()
        #expect(fifth["files_read"] as? Int == 0)
        #expect(fifth["files_reused"] as? Int == 3)
    }
}
