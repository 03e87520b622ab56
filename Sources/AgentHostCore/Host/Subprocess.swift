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
        /// A stream was longer than the cap; what came after it was dropped.
        public var stdoutTruncated = false
        public var stderrTruncated = false
    }

    /// Runs `argv` (`argv[0]` a path, or a name looked up on PATH). Stops the
    /// program when `timeout` seconds pass or `cancelled` turns true, and keeps
    /// at most `maxOutputBytes` of each stream (the rest is read and dropped,
    /// so the program never blocks on a full pipe).
    public static func run(_ argv: [String], cwd: String? = nil, environment: [String: String]? = nil, stdin: String? = nil,
                           timeout: Double? = nil, maxOutputBytes: Int = .max, cancelled: (@Sendable () -> Bool)? = nil) throws -> Result {
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
        let stdout = BlockingResult<(Data, Bool)>(), stderr = BlockingResult<(Data, Bool)>()
        DispatchQueue.global().async { stdout.finish(.success(drain(output.fileHandleForReading, keeping: maxOutputBytes))) }
        DispatchQueue.global().async { stderr.finish(.success(drain(errors.fileHandleForReading, keeping: maxOutputBytes))) }
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
        let (out, outCut) = (try? stdout.wait().get()) ?? (Data(), false)
        let (err, errCut) = (try? stderr.wait().get()) ?? (Data(), false)
        return Result(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
                      stderr: String(decoding: err, as: UTF8.self), timedOut: timedOut, stdoutTruncated: outCut, stderrTruncated: errCut)
    }

    /// Reads `handle` to its end, keeping the first `limit` bytes.
    private static func drain(_ handle: FileHandle, keeping limit: Int) -> (Data, Bool) {
        var kept = Data()
        var cut = false
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { return (kept, cut) }
            let room = limit - kept.count
            if chunk.count > room {
                kept.append(chunk.prefix(room))
                cut = true
            } else {
                kept.append(chunk)
            }
        }
    }
}
