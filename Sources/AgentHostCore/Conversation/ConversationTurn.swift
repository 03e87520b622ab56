/// One participant's answer to a message.
public struct ConversationTurn: Sendable {
    public var agent: String
    public var role: String
    /// The capability it answered with.
    public var capability: String
    /// Nil when the turn failed before a task was made.
    public var taskID: Int64?
    public var status: TaskStatus
    public var reply: [UInt8]?
    public var error: String?
    /// Why this participant answered (the strategy's choice, in words).
    public var reason: String

    public var replyText: String? { reply.map { String(decoding: $0, as: UTF8.self) } }
}

/// What a message got: the answers, and how a disagreement among them was settled.
public struct ConversationReply: Sendable {
    public var turns: [ConversationTurn]
    /// The answer that stands: the only one, or the settled one; nil when escalated or none completed.
    public var answer: [UInt8]?
    /// Set when a collaborative turn's answers disagreed.
    public var conflict: RunReport.Conflict?

    public var answerText: String? { answer.map { String(decoding: $0, as: UTF8.self) } }
}

/// A conversation as `/state` shows it: its settings, each participant's turns and state, and how many messages it holds.
public struct ConversationSummary: Sendable {
    public struct Member: Sendable {
        public var participant: Participant
        /// Answers given so far.
        public var turns: Int
        /// The agent state its last turn ended in (IDLE before its first).
        public var state: String
    }

    public var id: Int64
    public var strategy: TurnStrategy
    /// open, closed or interrupted.
    public var status: String
    public var participants: [Member]
    /// Messages and answers stored.
    public var messages: Int
}
