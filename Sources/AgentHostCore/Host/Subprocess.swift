import Foundation

/// Runs a program to its end, capturing its output, for the `run_command`
/// service. Stops it when the timeout passes or `cancelled` turns true.
enum Subprocess {
    struct Result: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
        var timedOut: Bool
    }

    static func run(_ argv: [String], cwd: String?, stdin: String?, timeout: Double?,
                    cancelled: @escaping @Sendable () -> Bool) throws -> Result {
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
        let deadline = timeout.map { Date().addingTimeInterval($0) }
        var timedOut = false
        while process.isRunning {
            if cancelled() || deadline.map({ Date() >= $0 }) == true {
                timedOut = true
                process.terminate()
                break
            }
            usleep(2000)
        }
        process.waitUntilExit()
        func text(_ result: BlockingResult<Data>) -> String {
            (try? result.wait().get()).map { String(decoding: $0, as: UTF8.self) } ?? ""
        }
        return Result(status: process.terminationStatus, stdout: text(stdout), stderr: text(stderr), timedOut: timedOut)
    }
}
