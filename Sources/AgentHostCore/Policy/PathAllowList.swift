import Foundation

/// Folders an agent may read and write, and everything below them. `~`
/// stands for the user's home. Paths are compared after `..` and symbolic
/// links are resolved, so `allowed/../secret` is not inside `allowed`.
public struct PathAllowList: Sendable, Hashable {
    public let patterns: [String]
    private let roots: [String]

    public init(_ patterns: [String]) {
        self.patterns = patterns
        roots = patterns.map { Self.resolve($0) }
    }

    /// Whether `path` lies in one of the folders. A relative path is taken
    /// relative to the host's working folder.
    public func allows(_ path: String) -> Bool {
        let resolved = Self.resolve(path)
        return roots.contains { root in root == "/" || resolved == root || resolved.hasPrefix(root + "/") }
    }

    /// The absolute, standardized form of `path`, with symbolic links resolved
    /// for the part that exists (a file about to be written may not).
    static func resolve(_ path: String) -> String {
        var expanded = path
        if expanded == "~" || expanded.hasPrefix("~/") {
            expanded = FileManager.default.homeDirectoryForCurrentUser.path + expanded.dropFirst()
        }
        var url = URL(fileURLWithPath: expanded).standardizedFileURL
        var missing: [String] = []
        while !FileManager.default.fileExists(atPath: url.path), url.path != "/" {
            missing.insert(url.lastPathComponent, at: 0)
            url.deleteLastPathComponent()
        }
        var resolved = url.resolvingSymlinksInPath().path
        for component in missing { resolved = (resolved == "/" ? "" : resolved) + "/" + component }
        return resolved
    }
}
