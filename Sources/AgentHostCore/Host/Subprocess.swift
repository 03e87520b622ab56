import Foundation

/// Runs a program to its end and captures what it printed: the host's
/// `run_command` service uses it, and so do the tests.
public enum Subprocess {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        /// The program was stopped by the timeout or by cancellation.
        public var timedOut: Bool
    }

    /// Runs `argv` (`argv[0]` a path, or a name looked up on PATH). Stops the
    /// program when `timeout` seconds pass or `cancelled` turns true.
    public static func run(_ argv: [String], cwd: String? = nil, environment: [String: String]? = nil, stdin: String? = nil,
                           timeout: Double? = nil, cancelled: (@Sendable () -> Bool)? = nil) throws -> Result {
        let process = Process()
        let executable = argv[0]
        if executable.contains("/") {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = Array(argv.dropFirst())
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = argv
        }
        if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: PathAllowList.resolve(cwd)) }
        if let environment { process.environment = environment }
        let output = Pipe(), errors = Pipe(), input = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = input
        try process.run()
        input.fileHandleForWriting.write(Data((stdin ?? "").utf8))
        try? input.fileHandleForWriting.close()
        // Drain both pipes while the program runs, so a full pipe cannot stall it.
        let stdout = BlockingResult<Data>(), stderr = BlockingResult<Data>()
        DispatchQueue.global().async { stdout.finish(.success(output.fileHandleForReading.readDataToEndOfFile())) }
        DispatchQueue.global().async { stderr.finish(.success(errors.fileHandleForReading.readDataToEndOfFile())) }
        var timedOut = false
        if timeout != nil || cancelled != nil {
            let deadline = timeout.map { Date().addingTimeInterval($0) }
            while process.isRunning {
                if cancelled?() == true || deadline.map({ Date() >= $0 }) == true {
                    timedOut = true
                    process.terminate()
                    break
                }
                usleep(2000)
            }
        }
        process.waitUntilExit()
        func text(_ result: BlockingResult<Data>) -> String {
            (try? result.wait().get()).map { String(decoding: $0, as: UTF8.self) } ?? ""
        }
        return Result(status: process.terminationStatus, stdout: text(stdout), stderr: text(stderr), timedOut: timedOut)
    }
}
