import Foundation

/// The folders the host looks in for plugins, in order of precedence: when two
/// plugins share an id, the one found first is loaded and the other refused.
public struct PluginSearchPath: Sendable {
    /// Why a folder is on the path.
    public enum Origin: String, Sendable, CustomStringConvertible {
        case commandLine = "--plugin-dir"
        case environment = "AGENTHOST_PLUGIN_PATH"
        case user = "~/.agenthost/plugins"   // or $AGENTHOST_HOME/plugins
        case bundled = "bundled"
        /// A role agent: a YAML file run by the bundled Assistant.
        case roleFile = "role file"
        public var description: String { rawValue }
    }

    public struct Folder: Sendable {
        public var url: URL
        public var origin: Origin
        public init(url: URL, origin: Origin) {
            self.url = url
            self.origin = origin
        }
    }

    public var folders: [Folder]
    /// Where plugins built with the host live; binaries named by any manifest
    /// are also looked for here.
    public var bundledFolder: URL?

    public init(folders: [Folder], bundledFolder: URL?) {
        self.folders = folders
        self.bundledFolder = bundledFolder
    }

    /// `--plugin-dir` folders, then `AGENTHOST_PLUGIN_PATH` (colon-separated),
    /// then `~/.agenthost/plugins` (`$AGENTHOST_HOME/plugins`: where `plugins install` puts them),
    /// then the folder the host was built into.
    public static func standard(pluginDirectories: [String] = [],
                                environment: [String: String] = ProcessInfo.processInfo.environment,
                                includeUserFolder: Bool = true, includeBundled: Bool = true) -> PluginSearchPath {
        var folders = pluginDirectories.map { Folder(url: URL(fileURLWithPath: $0), origin: .commandLine) }
        if let path = environment["AGENTHOST_PLUGIN_PATH"] {
            folders += path.split(separator: ":").map { Folder(url: URL(fileURLWithPath: String($0)), origin: .environment) }
        }
        if includeUserFolder {
            folders.append(Folder(url: AgentHostHome.pluginsFolder(environment: environment), origin: .user))
        }
        let bundled = bundledFolderOfRunningExecutable()
        if includeBundled, let bundled { folders.append(Folder(url: bundled, origin: .bundled)) }
        return PluginSearchPath(folders: folders, bundledFolder: bundled)
    }

    /// The manifests a folder of the path yields: its own, or its subfolders'.
    public static func manifests(in folder: URL) -> [URL] { PluginDiscovery.manifests(in: folder) }

    /// The folder holding the running executable: for `swift build`, the build
    /// folder, where SwiftPM puts the bundled plugins and their manifests.
    public static func bundledFolderOfRunningExecutable() -> URL? {
        #if os(Linux)
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        #else
        guard let executable = Bundle.main.executableURL?.resolvingSymlinksInPath() else { return nil }
        #endif
        return executable.deletingLastPathComponent()
    }
}
