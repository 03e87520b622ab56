import Foundation
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Reads what an isolated plugin writes to stdout and stderr, and its log
/// records, into the host's log under the plugin's name: never into the
/// host's own output. A flood is cut to a rate, and what was dropped is counted.
final class OutputPump: Sendable {
    private let fd: Int32
    private let done = DispatchSemaphore(value: 0)
    private let finished = Atomic<Bool>(false)
    private let reachedEnd = Atomic<Bool>(false)

    /// Whether the child's output has ended: it has died, or closed its stdout
    /// and stderr itself. A memory read, so the pool can ask on every call.
    var sawEnd: Bool { reachedEnd.load(ordering: .acquiring) }

    /// Lines logged per second at most, per child.
    static let linesPerSecond = 200
    /// The longest line kept; the rest of it is cut.
    static let maximumLineBytes = 4096

    init(fd: Int32, pluginID: String, pid: pid_t) {
        self.fd = fd
        let logger = Logger(label: "agenthost.plugin.\(pluginID)")
        // The thread keeps the pump until the child's output ends.
        let thread = Thread { [self] in
            Self.pump(fd: fd, logger: logger, pid: pid)
            close(fd)
            reachedEnd.store(true, ordering: .releasing)
            done.signal()
        }
        thread.name = "agenthost output \(pluginID)"
        thread.start()
    }

    /// Waits until the child's output is read to its end (it has ended), at
    /// most a second: a descriptor some other process still holds must not
    /// stall the host.
    func finish() {
        guard !finished.exchange(true, ordering: .acquiringAndReleasing) else { return }
        _ = done.wait(timeout: .now() + 1)
    }

    private static func pump(fd: Int32, logger: Logger, pid: pid_t) {
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        var windowStart = WallClock.nanoseconds(), inWindow = 0, dropped = 0
        func reportDropped() {
            if dropped > 0 { logger.warning("\(dropped) lines of output dropped (more than \(linesPerSecond) a second)", metadata: ["pid": "\(pid)"]) }
        }
        func emit(_ line: ArraySlice<UInt8>) {
            let now = WallClock.nanoseconds()
            if now - windowStart >= 1_000_000_000 {
                reportDropped()
                windowStart = now
                inWindow = 0
                dropped = 0
            }
            guard inWindow < linesPerSecond else { dropped += 1; return }
            inWindow += 1
            let cut = line.prefix(maximumLineBytes)
            // A record from the `log` callback: 0x1E, level, call, message.
            if cut.first == 0x1E, let record = LogRecord(cut.dropFirst()) {
                var metadata: Logger.Metadata = ["pid": "\(pid)"]
                if record.call != 0 {
                    metadata["call"] = "\(record.call)"
                    if let call = CallRegistry.shared.recentCall(record.call) { metadata.merge(call.logMetadata) { _, new in new } }
                }
                logger.log(level: record.level, "\(record.message)", metadata: metadata)
            } else {
                logger.info("output: \(String(decoding: cut, as: UTF8.self))", metadata: ["pid": "\(pid)"])
            }
        }
        while true {
            let got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if got < 0, errno == EINTR { continue }
            if got <= 0 { break }
            pending.append(contentsOf: buffer[0..<got])
            var start = pending.startIndex
            while let newline = pending[start...].firstIndex(of: 0x0A) {
                emit(pending[start..<newline])
                start = newline + 1
            }
            pending.removeSubrange(pending.startIndex..<start)
            if pending.count > maximumLineBytes {
                emit(pending[...])
                pending.removeAll(keepingCapacity: true)
            }
        }
        if !pending.isEmpty { emit(pending[...]) }
        reportDropped()
    }

    private struct LogRecord {
        var level: Logger.Level
        var call: UInt64
        var message: String

        init?(_ bytes: ArraySlice<UInt8>) {
            let parts = bytes.split(separator: 0x20, maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, let level = Int(String(decoding: parts[0], as: UTF8.self)),
                  let call = UInt64(String(decoding: parts[1], as: UTF8.self)) else { return nil }
            self.level = switch level {
            case 0: .trace
            case 1: .debug
            case 2: .info
            case 3: .warning
            default: .error
            }
            self.call = call
            // Line breaks stay escaped: a plugin cannot make one record look like several.
            message = String(decoding: parts[2], as: UTF8.self)
        }
    }
}
