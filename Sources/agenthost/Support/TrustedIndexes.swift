import AgentHostCore
import AgentHostDirectory
import Foundation

/// The indexes of the directories this user added, each fetched and
/// checked; a directory that cannot be reached falls back to the index
/// trusted before (with a warning), and one whose index is refused stops
/// the command when it is the only one asked for.
enum TrustedIndexes {
    static func load(only name: String? = nil, home: URL = AgentHostHome.folder()) throws -> [(TrustedDirectory, DirectoryIndex)] {
        let list = DirectoryList(home: home)
        let directories = try CLIError.wrapping { () throws(DirectoryError) in
            if let name { return [try list.named(name)] }
            return try list.load()
        }
        guard !directories.isEmpty else {
            throw CLIError("no directory is added; add one with `agenthost directory add NAME URL --key KEY`")
        }
        var indexes: [(TrustedDirectory, DirectoryIndex)] = []
        var problems: [String] = []
        for directory in directories {
            do throws(DirectoryError) {
                let (index, warning) = try DirectoryClient(directory: directory, home: home).index()
                if let warning { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
                indexes.append((directory, index))
            } catch {
                problems.append(error.description)
            }
        }
        if indexes.isEmpty || (name != nil && !problems.isEmpty) { throw CLIError(problems.joined(separator: "\n")) }
        for problem in problems { FileHandle.standardError.write(Data("warning: \(problem)\n".utf8)) }
        return indexes
    }
}
