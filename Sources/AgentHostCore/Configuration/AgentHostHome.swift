import Foundation

/// The folder that holds everything of the host's own: the task store, the
/// policy, installed plugins, keys and trusted directories.
/// `$AGENTHOST_HOME` when set, else `$HOME/.agenthost`.
public enum AgentHostHome {
    public static func folder(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let home = environment["AGENTHOST_HOME"], !home.isEmpty { return URL(fileURLWithPath: home) }
        // $HOME before the passwd entry: a test or CI run with its own HOME never touches the user's files.
        let user = environment["HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser
        return user.appendingPathComponent(".agenthost")
    }

    /// Where installed plugins live (the user folder of the plugin search path).
    public static func pluginsFolder(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        folder(environment: environment).appendingPathComponent("plugins")
    }
}
