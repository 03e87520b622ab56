/// What one agent call did through the model service and the tools, for
/// its task's budget, the loop guard and the tool calls it must not carry out.
struct CallUsage: Sendable {
    var usage = BudgetUsage()
    /// Model calls so far; the next one's `sequence` is this plus one.
    var modelCalls = 0
    /// How often the model asked for each tool with each arguments text.
    var repeats: [String: Int] = [:]
    /// Tool calls the host refused, by the model's call id, with what the model is told.
    var refused: [String: String] = [:]
    /// Approvals this call already used, so a second identical action asks again.
    var usedApprovals: Set<Int64> = []
    /// The budget or loop guard that stopped the call, if one did.
    var trip: BudgetTrip?
}
