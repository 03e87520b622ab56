/// What `agenthost stats` shows: how many tasks ended how, and per agent.
public struct TaskStatistics: Sendable {
    public struct Percentiles: Sendable, Hashable {
        /// Microseconds.
        public var p50: Int64
        public var p95: Int64
        public var p99: Int64
        public var max: Int64

        init?(_ values: [Int64]) {
            guard !values.isEmpty else { return nil }
            let sorted = values.sorted()
            func at(_ fraction: Double) -> Int64 { sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))] }
            p50 = at(0.5)
            p95 = at(0.95)
            p99 = at(0.99)
            max = sorted[sorted.count - 1]
        }
    }

    public struct Agent: Sendable {
        public var id: String
        public var completed = 0
        public var failed = 0
        public var cancelled = 0
        /// Its host died before the task ended.
        public var interrupted = 0
        public var latency: Percentiles?

        public var finished: Int { completed + failed + cancelled + interrupted }

        mutating func count(_ status: TaskStatus) {
            switch status {
            case .completed: completed += 1
            case .failed: failed += 1
            case .cancelled: cancelled += 1
            case .interrupted: interrupted += 1
            case .pending, .inProgress, .waitingApproval: break
            }
        }
    }

    /// No tasks yet.
    public static let empty = TaskStatistics(byStatus: [:], agents: [])

    public var byStatus: [TaskStatus: Int]
    /// Sorted by agent id.
    public var agents: [Agent]

    public var total: Int { byStatus.values.reduce(0, +) }

    /// Completed among finished tasks, from 0 to 1; nil before any finished.
    public var successRate: Double? {
        let completed = byStatus[.completed] ?? 0
        let finished = completed + (byStatus[.failed] ?? 0) + (byStatus[.cancelled] ?? 0)
        return finished == 0 ? nil : Double(completed) / Double(finished)
    }
}
