import AgentHostDirectory
import AgentHostTestSupport
import Foundation
import Testing

/// One person's machine for directory tests: a private HOME (so
/// `$HOME/.agenthost` is private too), a publisher key `ada`, a directory key
/// `dir`, a directory folder, and the built CLI to drive them.
final class DirectoryWorld: Sendable {
    let home: TemporaryFolder

    init(_ label: String = "directory") throws {
        home = try TemporaryFolder(label)
        for key in ["ada", "dir"] {
            let made = try agenthost(["keys", "generate", key])
            guard made.status == 0 else { throw Failure("keys generate \(key): \(made.stderr)") }
        }
    }

    deinit { home.remove() }

    /// The platform a C plugin built here is for (no Swift toolchain in it).
    static var cPlatform: String { "\(Platform.host.os)-\(Platform.host.arch)" }

    var agenthostHome: URL { home.url.appendingPathComponent(".agenthost") }
    var directory: URL { home.url.appendingPathComponent("directory") }
    var pluginsFolder: URL { agenthostHome.appendingPathComponent("plugins") }
    var database: String { home.url.appendingPathComponent("state.sqlite").path }

    func publicKey(_ name: String) throws -> String {
        try String(contentsOf: agenthostHome.appendingPathComponent("keys/\(name).pub"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs the built CLI with this HOME.
    func agenthost(_ arguments: [String], input: String? = nil) throws -> Command.Result {
        try Command.agenthost(arguments, home: home.url, input: input)
    }

    /// `sdk/examples/hello-c` built with cc into a folder of its own, at
    /// `version`, asking for `network` hosts; ready for `plugins pack`.
    func helloFolder(version: String = "1.0.0", network: [String] = [], models: [String] = [], abiMinor: Int = 0) throws -> URL {
        let source = PackagePaths.root.appendingPathComponent("sdk/examples/hello-c")
        let folder = home.url.appendingPathComponent("hello-\(version)-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var manifest = try String(contentsOf: source.appendingPathComponent("plugin.json"), encoding: .utf8)
        manifest = manifest.replacingOccurrences(of: #""version": "1.0.0""#, with: #""version": "\#(version)""#)
        if !network.isEmpty || !models.isEmpty {
            func list(_ names: [String]) -> String { names.map { "\"\($0)\"" }.joined(separator: ", ") }
            manifest = manifest.replacingOccurrences(of: #"  "tools": ["#,
                                                     with: "  \"permissions\": { \"network\": [\(list(network))], \"models\": [\(list(models))] },\n  \"tools\": [")
        }
        if abiMinor != 0 { manifest = manifest.replacingOccurrences(of: #""minor": 0"#, with: #""minor": \#(abiMinor)"#) }
        try manifest.write(to: folder.appendingPathComponent("plugin.json"), atomically: true, encoding: .utf8)
        for document in ["README.md", "LICENSE"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(document), to: folder.appendingPathComponent(document))
        }
        // The binary states its version too, and the host checks the two agree.
        let code = try String(contentsOf: source.appendingPathComponent("hello.c"), encoding: .utf8)
            .replacingOccurrences(of: #""Hello (C)", "1.0.0""#, with: #""Hello (C)", "\#(version)""#)
        try code.write(to: folder.appendingPathComponent("hello.c"), atomically: true, encoding: .utf8)
        let cc = try Command.run("cc", ["-std=c11", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC", "-I", PackagePaths.sdkInclude.path,
                                        "-o", folder.appendingPathComponent("libhello.so").path, folder.appendingPathComponent("hello.c").path])
        guard cc.status == 0 else { throw Failure("cc: \(cc.stderr)") }
        return folder
    }

    /// Packs `folder` with `plugins pack` (signed by `key`, unsigned when nil) and returns the package's path.
    func pack(_ folder: URL, key: String? = "ada") throws -> URL {
        let output = home.url.appendingPathComponent("packages")
        let packed = try agenthost(["plugins", "pack", folder.path, "--output", output.path] + (key.map { ["--key", $0] } ?? []))
        guard packed.status == 0 else { throw Failure("plugins pack: \(packed.stdout)\(packed.stderr)") }
        return URL(fileURLWithPath: packed.stdout.split(separator: "\n").last.map(String.init) ?? "")
    }

    func publish(_ package: URL, extra: [String] = []) throws -> Command.Result {
        try agenthost(["directory", "publish", package.path, "--to", directory.path, "--key", "dir"] + extra)
    }

    /// A hello-c package of `version`, packed and published.
    @discardableResult
    func publishHello(version: String = "1.0.0", network: [String] = [], models: [String] = []) throws -> URL {
        let package = try pack(try helloFolder(version: version, network: network, models: models))
        let published = try publish(package)
        guard published.status == 0 else { throw Failure("directory publish: \(published.stderr)") }
        return package
    }

    /// `directory add NAME LOCATION --key <dir's key>`.
    func add(_ name: String = "local", _ location: String? = nil, extra: [String] = []) throws -> Command.Result {
        try agenthost(["directory", "add", name, location ?? directory.path, "--key", try publicKey("dir")] + extra)
    }

    /// `agenthost directory serve` on a free loopback port; stopped by the caller.
    func serve() throws -> (server: BackgroundHost, url: String) {
        let server = try BackgroundHost(["directory", "serve", directory.path, "--port", "0", "--log-level", "warning"], home: home.url)
        guard BackgroundHost.until(30, { server.stdout.contains("serving ") }),
              let url = server.stdout.split(separator: " ").first(where: { $0.hasPrefix("http://") }) else {
            server.signal(SIGKILL)
            throw Failure("directory serve did not start: \(server.stderr)")
        }
        return (server, String(url.hasSuffix("/") ? url.dropLast() : url))
    }

    /// Runs hello.greet on whatever the plugin search path finds, as a user would.
    func greet(_ name: String) throws -> Command.Result {
        try agenthost(["run", "hello.greet", "--input", #"{"name":"\#(name)"}"#, "--state", database])
    }
}

struct Failure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
