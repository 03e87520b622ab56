import Foundation

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

    /// The absolute path of the program `requested` names, if the manifest
    /// declares it. Both are found by the host on the host's own PATH and
    /// must be the same path, and the same file once links are resolved: a
    /// plugin's absolute path to another program of a declared name, a PATH
    /// of its own, or another name of a multi-call binary (`sh` for busybox's
    /// `ls`) is refused. The path returned keeps its links, since a multi-call
    /// program (`swift`) reads the name it was started by.
    func allowedProgram(_ requested: String, searchPath: String) -> String? {
        guard let program = Self.locate(requested, searchPath: searchPath) else { return nil }
        let real = Self.realPath(program)
        let allowed = commands.contains { declared in
            guard let located = Self.locate(declared, searchPath: searchPath) else { return false }
            return located == program && Self.realPath(located) == real
        }
        return allowed ? program : nil
    }

    /// The file `name` runs, links resolved; nil when there is no such executable.
    static func resolve(_ name: String, searchPath: String) -> String? { locate(name, searchPath: searchPath).map(realPath) }

    /// `name` as an absolute path: a path taken as it is, a bare name looked up in `searchPath`.
    private static func locate(_ name: String, searchPath: String) -> String? {
        let candidates = name.contains("/") ? [name] : searchPath.split(separator: ":").map { "\($0)/\(name)" }
        return candidates.first { $0.hasPrefix("/") && FileManager.default.isExecutableFile(atPath: $0) }
    }

    private static func realPath(_ path: String) -> String { URL(fileURLWithPath: path).resolvingSymlinksInPath().path }
}
