import AgentHostCore
import Foundation

/// Runs a real subprocess and captures what it printed.
public enum Command {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Runs `executable` (a path, or a name looked up on PATH) with `arguments`.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                           currentDirectory: URL? = nil, input: String? = nil) throws -> Result {
        let result = try Subprocess.run([executable] + arguments, cwd: currentDirectory?.path, environment: environment, stdin: input)
        return Result(status: result.status, stdout: result.stdout, stderr: result.stderr)
    }

    /// Runs the built `agenthost` with a private HOME, so no user plugins leak in.
    public static func agenthost(_ arguments: [String], home: URL, extraEnvironment: [String: String] = [:],
                                 input: String? = nil) throws -> Result {
        try run(PackagePaths.agenthostExecutable.path, arguments, environment: environment(home: home, extra: extraEnvironment), input: input)
    }

    /// Starts the built `agenthost` in the background (output discarded), for
    /// tests that stop it while it works.
    public static func startAgenthost(_ arguments: [String], home: URL) throws -> Process {
        let process = Process()
        process.executableURL = PackagePaths.agenthostExecutable
        process.arguments = arguments
        process.environment = environment(home: home, extra: [:])
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    private static func environment(home: URL, extra: [String: String]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = home.path
        environment.removeValue(forKey: "AGENTHOST_PLUGIN_PATH")
        environment.removeValue(forKey: "AGENTHOST_HOME")
        environment.merge(extra) { _, new in new }
        return environment
    }
}
