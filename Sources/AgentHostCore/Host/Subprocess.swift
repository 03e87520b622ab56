import AgentHostChannel
import Foundation

/// Runs a program to its end and captures what it printed: the host's
/// `run_command` service uses it, and so do the tests.
///
/// Each program runs under `agenthost-command-guard`, in a process group of
/// its own: when it ends, anything it left running is killed, and when the
/// call is cancelled, passes its deadline, or the host dies (even by
/// SIGKILL), the program and everything it started are killed. No step's
/// program outlives its step.
public enum Subprocess {
    public struct Result: Sendable {
        /// The exit code, or 128 + the signal that ended it.
        public var status: Int32
        public var stdout: String
        public var stderr: String
        /// The program was stopped by the timeout or by cancellation.
        public var timedOut: Bool
        /// A stream was longer than the cap; what came after it was dropped.
        public var stdoutTruncated = false
        public var stderrTruncated = false
    }

    /// Found once: a lookup on the file system per command is work each call would repeat.
    private static let guardPath = ChildConfiguration.helperPath(named: "agenthost-command-guard", environmentVariable: "AGENTHOST_COMMAND_GUARD",
                                                                 bundledFolder: nil)

    /// Why a program could not be started.
    public struct StartError: Error, CustomStringConvertible, LocalizedError {
        public var description: String
        public var errorDescription: String? { description }
    }

    /// Runs `argv` (`argv[0]` a path, or a name looked up on the PATH of
    /// `environment`). Stops the program when `timeout` seconds pass or
    /// `cancelled` turns true, and keeps at most `maxOutputBytes` of each
    /// stream (the rest is read and dropped, so the program never blocks on a
    /// full pipe).
    public static func run(_ argv: [String], cwd: String? = nil, environment: [String: String]? = nil, stdin: String? = nil,
                           timeout: Double? = nil, maxOutputBytes: Int = .max, cancelled: (@Sendable () -> Bool)? = nil) throws -> Result {
        guard let guardPath = Self.guardPath else {
            throw StartError(description: "agenthost-command-guard is not beside the agenthost executable; reinstall, or set AGENTHOST_COMMAND_GUARD")
        }
        guard !argv.isEmpty else { throw StartError(description: "no program to run") }
        let input = try Pipe(), output = try Pipe(), errors = try Pipe(), lifeline = try Pipe()
        let environment = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let folder = cwd.map { PathAllowList.resolve($0) }
        let pid = withCStrings([guardPath] + argv) { arguments in
            withCStrings(environment) { variables in
                var request = ahc_guarded_request(guard_path: arguments[0], argv: arguments, envp: variables, cwd: nil,
                                                  stdin_fd: input.read, stdout_fd: output.write, stderr_fd: errors.write,
                                                  lifeline_fd: lifeline.read)
                guard let folder else { return ahc_spawn_guarded(&request) }
                return folder.withCString { path in
                    request.cwd = path
                    return ahc_spawn_guarded(&request)
                }
            }
        }
        let spawnError = errno
        for fd in [input.read, output.write, errors.write, lifeline.read] { close(fd) }
        guard pid > 0 else {
            for fd in [input.write, output.read, errors.read, lifeline.write] { close(fd) }
            throw StartError(description: "\(guardPath): \(String(cString: strerror(spawnError)))")
        }
        // Written and drained on other threads, so neither a program that does not read its input nor a full pipe can stall it.
        let bytes = Array((stdin ?? "").utf8)
        DispatchQueue.global().async {
            _ = bytes.withUnsafeBytes { ahc_write_pipe(input.write, $0.baseAddress, $0.count) }
            close(input.write)
        }
        let stdout = BlockingResult<(Data, Bool)>(), stderr = BlockingResult<(Data, Bool)>()
        DispatchQueue.global().async { stdout.finish(.success(drain(output.read, keeping: maxOutputBytes))) }
        DispatchQueue.global().async { stderr.finish(.success(drain(errors.read, keeping: maxOutputBytes))) }

        var status: Int32 = 0
        var timedOut = false
        var waited: Int32 = 1
        if timeout != nil || cancelled != nil {
            let deadline = timeout.map(WallClock.deadline(afterSeconds:)) ?? .max
            while true {
                waited = ahc_wait(pid, &status, 0)
                guard waited == 0 else { break }
                if cancelled?() == true || WallClock.nanoseconds() >= deadline {
                    timedOut = true
                    break
                }
                usleep(2000)
            }
        } else {
            waited = ahc_wait(pid, &status, 1)
        }
        // Closing the lifeline tells the guard to kill the program and all it started (nothing to do once it ended).
        let waitError = errno
        close(lifeline.write)
        if timedOut { waited = ahc_wait(pid, &status, 1) }
        guard waited == 1 else {
            throw StartError(description: "lost track of '\(argv[0])' (pid \(pid)): \(String(cString: strerror(waitError)))")
        }
        let (out, outCut) = (try? stdout.wait().get()) ?? (Data(), false)
        let (err, errCut) = (try? stderr.wait().get()) ?? (Data(), false)
        return Result(status: exitCode(status), stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self),
                      timedOut: timedOut, stdoutTruncated: outCut, stderrTruncated: errCut)
    }

    /// The shell's number for a raw wait status: the exit code, or 128 + the signal.
    private static func exitCode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// A close-on-exec pipe.
    private struct Pipe {
        let read: Int32, write: Int32
        init() throws {
            var fds: [Int32] = [-1, -1]
            guard ahc_pipe(&fds) == 0 else { throw StartError(description: "no pipe for the program: \(String(cString: strerror(errno)))") }
            (read, write) = (fds[0], fds[1])
        }
    }

    /// Reads `fd` to its end, keeping the first `limit` bytes, and closes it.
    private static func drain(_ fd: Int32, keeping limit: Int) -> (Data, Bool) {
        defer { close(fd) }
        var kept = Data()
        var cut = false
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if got < 0, errno == EINTR { continue }
            if got <= 0 { return (kept, cut) }
            let room = max(0, limit - kept.count)
            if got > room {
                kept.append(contentsOf: buffer[..<room])
                cut = true
            } else {
                kept.append(contentsOf: buffer[..<got])
            }
        }
    }
}
