import AgentHostCore
import AgentHostDirectory
import Foundation

/// The indexes of the directories this user added, each fetched and
/// checked; a directory that cannot be reached falls back to the index
/// trusted before (with a warning), and one whose index is refused stops
/// the command when it is the only one asked for.
enum TrustedIndexes {
    static func load(only name: String? = nil, home: URL = AgentHostHome.folder()) throws -> [(TrustedDirectory, DirectoryIndex)] {
        try each(only: name, home: home) { client throws(DirectoryError) in try client.index() }.map { ($0.0, $0.1) }
    }

    /// Each directory's search, fresh enough (see `DirectoryClient.search`) or, with `refresh`, asked now.
    static func searches(only name: String? = nil, refresh: Bool, home: URL = AgentHostHome.folder()) throws -> [(directory: String, search: PluginSearch)] {
        try each(only: name, home: home) { client throws(DirectoryError) in
            try client.search(freshness: refresh ? 0 : DirectoryClient.searchFreshness)
        }.map { ($0.0.name, $0.1) }
    }

    private static func each<T>(only name: String?, home: URL,
                                _ body: (DirectoryClient) throws(DirectoryError) -> (T, warning: String?)) throws -> [(TrustedDirectory, T)] {
        let list = DirectoryList(home: home)
        let directories = try CLIError.wrapping { () throws(DirectoryError) in
            if let name { return [try list.named(name)] }
            return try list.load()
        }
        guard !directories.isEmpty else {
            throw CLIError("no directory is added; add one with `agenthost directory add NAME URL --key KEY`")
        }
        var indexes: [(TrustedDirectory, T)] = []
        var problems: [String] = []
        for directory in directories {
            do throws(DirectoryError) {
                let (value, warning) = try body(DirectoryClient(directory: directory, home: home))
                if let warning { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
                indexes.append((directory, value))
            } catch {
                problems.append(error.description)
            }
        }
        if indexes.isEmpty || (name != nil && !problems.isEmpty) { throw CLIError(problems.joined(separator: "\n")) }
        for problem in problems { FileHandle.standardError.write(Data("warning: \(problem)\n".utf8)) }
        return indexes
    }
}
