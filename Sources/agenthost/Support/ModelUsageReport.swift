import AgentHostCore

/// Model usage as `stats` and `runs show` print it: one line per agent, then the sum.
enum ModelUsageReport {
    static func lines(_ summaries: [ModelUsageSummary]) -> [String] {
        guard !summaries.isEmpty else { return [] }
        var lines = ["model usage                     calls  failed   tokens in  tokens out        cost    latency"]
        for summary in summaries + (summaries.count > 1 ? [ModelUsageSummary.total(summaries)] : []) {
            lines.append(summary.agent.padding(toLength: 30, withPad: " ", startingAt: 0)
                + pad(summary.calls, 7) + pad(summary.failures, 8) + pad(summary.inputTokens, 12) + pad(summary.outputTokens, 12)
                + pad(dollars(summary.cost), 12) + pad(TaskReport.format(micros: summary.latencyUs), 11))
        }
        return lines
    }

    static func dollars(_ value: Double) -> String { String(format: "$%.4f", value) }

    private static func pad(_ value: some CustomStringConvertible, _ width: Int) -> String {
        let text = value.description
        return String(repeating: " ", count: max(1, width - text.count)) + text
    }
}
