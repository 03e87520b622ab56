import Foundation

/// A loopback port nothing listens on now, for a command a test runs as a README writes it.
public enum FreePort {
    public static func pick() throws -> Int {
        let probe = try Command.run("python3", ["-c", "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"])
        return Int(probe.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 18080
    }
}
