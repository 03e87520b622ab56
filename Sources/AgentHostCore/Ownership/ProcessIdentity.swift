import Foundation

/// A process as the store names an owner: its pid, and what makes the pid
/// mean something (the machine's boot and pid namespace, and the process's
/// start time, so a pid the kernel gave to someone else is not mistaken
/// for the owner).
struct ProcessIdentity: Sendable, Equatable {
    var pid: Int32
    var hostName: String
    /// The boot id and the pid namespace: two processes with equal values see the same pids.
    var machine: String
    /// Clock ticks from boot to the process's start (`/proc/PID/stat`, field 22); nil where there is no /proc.
    var start: Int64?

    static let current = ProcessIdentity(pid: getpid(), hostName: Self.hostName(), machine: Self.machine(),
                                         start: Self.startTime(of: getpid()))

    private static func hostName() -> String {
        var name = [CChar](repeating: 0, count: 256)
        guard gethostname(&name, name.count - 1) == 0 else { return "unknown" }
        return String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func machine() -> String {
        let boot = (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? hostName()
        let namespace = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/pid")) ?? "pid:?"
        return "\(boot) \(namespace)"
    }

    /// The start time of process `pid`, or nil when there is no such process
    /// (or no /proc), or it has ended and only waits to be reaped.
    static func startTime(of pid: Int32) -> Int64? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after the command name (which may hold spaces and parentheses): state is field 3, starttime 22.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19, fields[0] != "Z", fields[0] != "X" else { return nil }
        return Int64(fields[19])
    }

    /// Whether the process this identity names is still running. Only
    /// answerable on the same machine; elsewhere the caller goes by heartbeats.
    var isRunning: Bool {
        if pid == Self.current.pid, start == Self.current.start { return true }
        if let start {
            return Self.startTime(of: pid) == start
        }
        // No /proc (macOS): the pid exists, or exists and is not ours to signal.
        return kill(pid, 0) == 0 || errno == EPERM
    }
}
