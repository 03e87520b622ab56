import Foundation

/// Folders an agent may read and write, and everything below them. `~`
/// stands for the user's home and `$WORKSPACE` for the host's workspace root
/// (the policy's `workspace`, or `--workspace`). Paths are compared after
/// `..` and symbolic links are resolved, so neither `allowed/../secret` nor a
/// link inside `allowed` that points outside it is inside `allowed`.
public struct PathAllowList: Sendable, Hashable {
    public let patterns: [String]

    /// The token a manifest writes for the workspace root.
    public static let workspaceToken = "$WORKSPACE"
    /// The token for the plugin's own data folder: declared alone in a
    /// manifest's paths, and written as a path prefix (`$PLUGIN_DATA/index.bin`).
    public static let pluginDataToken = "$PLUGIN_DATA"

    public init(_ patterns: [String]) {
        self.patterns = patterns
    }

    /// Whether `path` lies in one of the folders. A relative path, and
    /// `$WORKSPACE`, are taken relative to `workspace`.
    public func allows(_ path: String, workspace: String) -> Bool {
        contains(resolved: Self.resolve(path, in: workspace), workspace: workspace)
    }

    /// Whether a path already made absolute by ``resolve(_:in:links:)`` lies in one of the folders.
    func contains(resolved: String, workspace: String) -> Bool {
        patterns.contains { pattern in
            guard pattern != Self.pluginDataToken else { return false }  // reached only through the token itself
            let root = Self.resolve(Self.expand(pattern, workspace: workspace), in: workspace)
            return root == "/" || resolved == root || resolved.hasPrefix(root + "/")
        }
    }

    private static func expand(_ pattern: String, workspace: String) -> String {
        guard pattern == workspaceToken || pattern.hasPrefix(workspaceToken + "/") else { return pattern }
        return workspace + pattern.dropFirst(workspaceToken.count)
    }

    /// The absolute, standardized form of `path` (relative to `folder` when it
    /// is relative), with symbolic links resolved for the part that exists (a
    /// file about to be written may not).
    static func resolve(_ path: String, in folder: String = FileManager.default.currentDirectoryPath, links: Int = 0) -> String {
        var expanded = path
        if expanded == "~" || expanded.hasPrefix("~/") {
            expanded = FileManager.default.homeDirectoryForCurrentUser.path + expanded.dropFirst()
        } else if !expanded.hasPrefix("/") {
            expanded = folder + "/" + expanded
        }
        var url = URL(fileURLWithPath: expanded).standardizedFileURL
        var missing: [String] = []
        while !FileManager.default.fileExists(atPath: url.path), url.path != "/" {
            // A dangling link is still a link: follow it rather than treat it as missing.
            // (A cycle of links resolves to itself after 40 hops, as the kernel's ELOOP.)
            if links < 40, let target = try? FileManager.default.destinationOfSymbolicLink(atPath: url.path) {
                let absolute = target.hasPrefix("/") ? target : url.deletingLastPathComponent().path + "/" + target
                return resolve(absolute + missing.map { "/" + $0 }.joined(), in: folder, links: links + 1)
            }
            missing.insert(url.lastPathComponent, at: 0)
            url.deleteLastPathComponent()
        }
        var resolved = url.resolvingSymlinksInPath().path
        for component in missing { resolved = (resolved == "/" ? "" : resolved) + "/" + component }
        return resolved
    }
}
