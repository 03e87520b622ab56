import AgentHostCore
import Foundation

/// The built `agenthost` running in the background, for tests that signal
/// or kill it while it works: its output goes to files read at the end,
/// its stdin stays open until `closeInput()`.
public final class BackgroundHost: @unchecked Sendable {
    // @unchecked: the process and handles are used from the test's thread only.
    public let process: Process
    private let output: URL
    private let errors: URL
    private let input = Pipe()

    public init(_ arguments: [String], home: URL, extraEnvironment: [String: String] = [:]) throws {
        output = home.appendingPathComponent("stdout-\(UUID().uuidString.prefix(8))")
        errors = home.appendingPathComponent("stderr-\(UUID().uuidString.prefix(8))")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        process = Process()
        process.executableURL = PackagePaths.agenthostExecutable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = home.path
        environment.removeValue(forKey: "AGENTHOST_PLUGIN_PATH")
        environment.removeValue(forKey: "AGENTHOST_HOME")
        environment.merge(extraEnvironment) { _, new in new }
        process.environment = environment
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: errors)
        process.standardInput = input
        try process.run()
    }

    public var pid: pid_t { process.processIdentifier }

    public func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    public func write(_ text: String) { input.fileHandleForWriting.write(Data(text.utf8)) }

    public func closeInput() { try? input.fileHandleForWriting.close() }

    /// What it printed so far.
    public var stdout: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }
    public var stderr: String { (try? String(contentsOf: errors, encoding: .utf8)) ?? "" }

    /// Waits for it to end (killing it after `seconds`) and returns its exit status.
    @discardableResult
    public func wait(seconds: Double = 60) -> Int32 {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        closeInput()
        return process.terminationStatus
    }

    /// Polls `condition` every 10 ms for up to `seconds`; whether it came true.
    public static func until(_ seconds: Double = 30, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }
}
