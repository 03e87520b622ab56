/// One `ACTION: DELEGATE` block of an agent's text reply: hand `task` to an
/// agent of type `agentType`.
///
///     ACTION: DELEGATE
///     AGENT_TYPE: knowledge
///     TASK: find what the notes say about BM25
///     ---END---
public struct DelegateAction: Sendable, Hashable {
    public var agentType: String
    /// The task in words; routed among the agent's capabilities by keywords.
    public var task: String
    /// The line of `ACTION: DELEGATE`, counted from 1.
    public var line: Int
    /// The line of `AGENT_TYPE:`.
    public var agentTypeLine: Int
    /// The line of `TASK:`.
    public var taskLine: Int

    public init(agentType: String, task: String, line: Int, agentTypeLine: Int, taskLine: Int? = nil) {
        self.agentType = agentType
        self.task = task
        self.line = line
        self.agentTypeLine = agentTypeLine
        self.taskLine = taskLine ?? line
    }
}

/// A DELEGATE block that is not exactly right, with the line that is wrong.
public struct DelegateParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Counted from 1.
    public let line: Int
    public let problem: String

    public init(line: Int, problem: String) {
        self.line = line
        self.problem = problem
    }

    public var description: String { "DELEGATE action, line \(line): \(problem)" }
}
