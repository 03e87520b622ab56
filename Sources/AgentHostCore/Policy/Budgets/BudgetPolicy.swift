/// The policy's `budgets:` section: a budget for every run, one for every
/// task, one per agent, and how often the same tool call may repeat.
public struct BudgetPolicy: Sendable, Hashable {
    public var run = Budget.unlimited
    public var task = Budget.unlimited
    public var agents: [String: Budget] = [:]
    /// An agent that asks for the same tool with the same arguments this
    /// many times in one task is stopped (the loop guard); 0 turns it off.
    public var loopGuard = 3

    public init() {}
}
