import Foundation
import GRDB

/// A host process that opened the store to run work: the owner of the
/// tasks, runs and conversations it started.
public struct StoredHost: Sendable, Hashable, Codable, FetchableRecord, TableRecord {
    public static let databaseTableName = "host"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase

    public var id: Int64
    public var pid: Int32
    public var hostName: String
    var machine: String
    var processStart: Int64?
    /// The command line it was started with.
    public var command: String
    public var startedUs: Int64
    public var heartbeatUs: Int64
    public var endedUs: Int64?
    public var endReason: String?

    /// How long a host on another machine may go without a heartbeat before its work is taken for abandoned.
    public static let staleAfterMicroseconds: Int64 = 30_000_000

    /// Whether the process still runs; nil when alive, else why it is taken for dead.
    /// On this machine the kernel answers (pid and start time); on another, its heartbeat does.
    public func deathReason(now: Int64 = WallClock.microseconds()) -> String? {
        if let endedUs {
            return "host \(id) ended \(Self.ago(now - endedUs)) (\(endReason ?? "no reason given"))"
        }
        if machine == ProcessIdentity.current.machine {
            let identity = ProcessIdentity(pid: pid, hostName: hostName, machine: machine, start: processStart)
            return identity.isRunning ? nil : "its host (pid \(pid) on \(hostName)) stopped without closing its work, e.g. killed or out of power"
        }
        let silence = now - heartbeatUs
        return silence < Self.staleAfterMicroseconds ? nil
            : "its host (pid \(pid) on \(hostName)) has not sent a heartbeat for \(Self.ago(silence))"
    }

    /// Whether the process still runs (see `deathReason`).
    public var isAlive: Bool { deathReason() == nil }

    /// Who it is, for a person: "host 3 (pid 812 on build-1, `agenthost resume 1`, started 12:01:02, heartbeat 2 s ago)".
    public func describe(now: Int64 = WallClock.microseconds()) -> String {
        let started = Date(timeIntervalSince1970: Double(startedUs) / 1_000_000)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullTime, .withColonSeparatorInTime, .withTimeZone]
        let last = endedUs.map { "ended \(Self.ago(now - $0))" } ?? "last heartbeat \(Self.ago(now - heartbeatUs))"
        return "host \(id) (pid \(pid) on \(hostName), `\(command)`, started \(formatter.string(from: started)), \(last))"
    }

    static func ago(_ micros: Int64) -> String {
        let seconds = max(0, micros) / 1_000_000
        return seconds < 120 ? "\(seconds) s ago" : seconds < 7200 ? "\(seconds / 60) min ago" : "\(seconds / 3600) h ago"
    }
}
