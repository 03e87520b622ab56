#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Wall-clock time as the ABI carries deadlines (nanoseconds since the Unix
/// epoch) and as the store keeps timings (microseconds).
public enum WallClock {
    public static func microseconds() -> Int64 { nanoseconds() / 1000 }

    public static func nanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }

    /// The wall-clock nanoseconds `timeout` from now; a timeout too long to
    /// count (years) is the end of time, never an overflow.
    static func deadline(after timeout: Duration) -> Int64 {
        let (sum, overflow) = nanoseconds().addingReportingOverflow(max(0, timeout.nanoseconds))
        return overflow ? .max : sum
    }

    /// The wall-clock nanoseconds `seconds` from now; NaN, infinite or
    /// too long (years) is the end of time, never a trap.
    static func deadline(afterSeconds seconds: Double) -> Int64 {
        guard seconds.isFinite, seconds * 1e9 < 9e18 else { return .max }
        return deadline(after: .nanoseconds(Int64(max(0, seconds) * 1e9)))
    }

    /// A clock that never jumps, for measuring short waits.
    static func monotonicNanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }
}

extension Duration {
    /// The duration in nanoseconds, saturating at Int64's bounds (292 years).
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        let (sum, tooBig) = whole.addingReportingOverflow(attoseconds / 1_000_000_000)
        return tooBig ? (whole < 0 ? .min : .max) : sum
    }
}
