#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Monotonic nanoseconds.
@inline(__always)
func now() -> UInt64 { nanoseconds(CLOCK_MONOTONIC) }

/// `clock`'s reading in nanoseconds (CLOCK_PROCESS_CPUTIME_ID: every thread's processor time so far).
@inline(__always)
func nanoseconds(_ clock: clockid_t) -> UInt64 {
    var time = timespec()
    clock_gettime(clock, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}

/// Timings of one operation: per-call samples (each includes one clock read,
/// ~20 ns) and batch means (no clock in the loop).
struct Measurement {
    var name: String
    var samples: [UInt64]
    var batchMeans: [Double]

    func percentile(_ p: Double) -> Double {
        let sorted = samples.sorted()
        return Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))])
    }

    var median: Double {
        let sorted = batchMeans.sorted()
        return sorted[sorted.count / 2]
    }
}

/// Runs `body` `warmup` times, then times `samples` single calls and
/// `batches` batches of `batchSize` calls.
func measure(_ name: String, samples: Int, batches: Int = 9, batchSize: Int, _ body: () -> Void) -> Measurement {
    for _ in 0..<min(samples, 10_000) { body() }
    var timings = [UInt64](repeating: 0, count: samples)
    for index in 0..<samples {
        let start = now()
        body()
        timings[index] = now() - start
    }
    var means: [Double] = []
    for _ in 0..<batches {
        let start = now()
        for _ in 0..<batchSize { body() }
        means.append(Double(now() - start) / Double(batchSize))
    }
    return Measurement(name: name, samples: timings, batchMeans: means)
}
