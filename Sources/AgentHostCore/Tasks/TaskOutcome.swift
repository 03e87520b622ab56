/// How a task ended, as written to the store, with the tasks it made.
public struct TaskOutcome: Sendable {
    public let id: Int64
    public let status: TaskStatus
    public let agent: String?
    public let capability: String?
    public let routeReason: String?
    /// The answer: the agent's own, or the last agent's after handoffs.
    public let result: [UInt8]?
    public let error: TaskError?
    /// Tasks made by DELEGATE actions and handoffs, in order.
    public let children: [TaskOutcome]

    public var resultText: String? { result.map { String(decoding: $0, as: UTF8.self) } }
}
