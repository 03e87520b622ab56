import Foundation

/// Finds manifests without running plugin code. A folder on the search path is
/// a plugin itself when it holds `plugin.json`; otherwise each of its
/// subfolders that holds one is (SwiftPM's `*.resources` bundles included).
enum PluginDiscovery {
    struct Found: Sendable {
        var manifestURL: URL
        var origin: PluginSearchPath.Origin
    }

    /// The manifests in `searchPath`, in precedence order, and the explicitly
    /// named folders that hold none (a typo in `--plugin-dir` should be loud).
    static func find(in searchPath: PluginSearchPath) -> (found: [Found], empty: [PluginSearchPath.Folder]) {
        var found: [Found] = []
        var empty: [PluginSearchPath.Folder] = []
        var seen = Set<String>()
        for folder in searchPath.folders {
            let manifests = manifests(in: folder.url)
            if manifests.isEmpty, folder.origin == .commandLine { empty.append(folder) }
            for url in manifests where seen.insert(url.standardizedFileURL.path).inserted {
                found.append(Found(manifestURL: url, origin: folder.origin))
            }
        }
        return (found, empty)
    }

    /// A hidden child (`.name`) is never a plugin: it is where tools keep their
    /// own things, such as the versions `plugins install` keeps and the link
    /// it renames into place, which a host must not load half made.
    static func manifests(in folder: URL) -> [URL] {
        let fileManager = FileManager.default
        let own = folder.appendingPathComponent(PluginManifest.fileName)
        if fileManager.fileExists(atPath: own.path) { return [own] }
        guard let children = try? fileManager.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil) else { return [] }
        return children
            .filter { !$0.lastPathComponent.hasPrefix(".") }
            .map { $0.appendingPathComponent(PluginManifest.fileName) }
            .filter { fileManager.fileExists(atPath: $0.path) }
            .sorted { $0.path < $1.path }
    }
}
