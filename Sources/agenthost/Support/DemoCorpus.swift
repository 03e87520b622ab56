import Foundation

/// A handful of short documents for `agenthost demo` to search.
enum DemoCorpus {
    static let documents: [String: String] = [
        "ranking.md": """
            # Ranking passages

            BM25 ranks passages by how often the query's terms occur in them, damped so that repeating a term
            helps less each time, and normalised by the passage's length against the average.

            Rare terms weigh more than common ones: the inverse document frequency of a term falls as more
            passages contain it.
            """,
        "plugins.md": """
            # How plugins are loaded

            The host reads each plugin.json without running plugin code, then loads the binary with dlopen,
            checks the ABI version and the entry's struct size, and compares the binary's descriptor with the
            manifest. A plugin that disagrees is refused with a message that says how to fix it.

            Plugins are found in --plugin-dir folders, AGENTHOST_PLUGIN_PATH, ~/.agenthost/plugins and the
            build folder.
            """,
        "notes/handoffs.txt": """
            Handoffs move a task and a filtered context from one agent to another, only to targets the
            manifest declares, with a depth limit and cycle detection.
            """,
    ]

    /// Writes the documents to a fresh temporary folder and returns it.
    static func write() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("agenthost-demo-\(getpid())")
        try? FileManager.default.removeItem(at: root)
        for (name, text) in documents {
            let file = root.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: file)
        }
        return root
    }
}
