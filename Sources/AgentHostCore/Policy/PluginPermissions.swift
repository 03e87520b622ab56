/// What a plugin's manifest lets it ask of the host, built once at load.
struct PluginPermissions: Sendable {
    let network: NetworkAllowList
    let paths: PathAllowList
    /// Executables by name (`swift`) or absolute path.
    let commands: [String]

    init(_ declared: PluginManifest.Permissions) {
        network = NetworkAllowList(declared.network)
        paths = PathAllowList(declared.paths)
        commands = declared.commands
    }

    func allowsCommand(_ executable: String) -> Bool {
        let name = executable.split(separator: "/").last.map(String.init) ?? executable
        return commands.contains { $0.hasPrefix("/") ? $0 == executable : $0 == name && !executable.hasPrefix("./") }
    }
}
