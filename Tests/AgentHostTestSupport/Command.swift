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
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = home.path
        environment.removeValue(forKey: "AGENTHOST_PLUGIN_PATH")
        environment.removeValue(forKey: "AGENTHOST_HOME")
        environment.merge(extraEnvironment) { _, new in new }
        return try run(PackagePaths.agenthostExecutable.path, arguments, environment: environment, input: input)
    }
}
