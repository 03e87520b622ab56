/// How a run ended: its status and result, each step, and what was decided
/// along the way (votes, conflicts).
public struct RunReport: Sendable {
    public struct Step: Sendable {
        public var id: String
        public var status: StepStatus
        public var agent: String?
        public var attempts: Int
        public var result: [UInt8]?
        public var error: String?
        /// The task of the attempt that ended the step.
        public var taskID: Int64?
        /// Restored from a checkpoint on resume rather than run again.
        public var restored: Bool

        public var resultText: String? { result.map { String(decoding: $0, as: UTF8.self) } }
    }

    /// The tally of a consensus run, or of a `vote` aggregation.
    public struct Vote: Sendable {
        public var winner: [UInt8]?
        public var agreement: Double
        public var minAgreement: Double?
        public var votes: Int
        /// Voters (step ids) that answered otherwise or not at all, with their agents and answers.
        public var dissenters: [(step: String, agent: String?, answer: String?)]
    }

    /// Contradictory answers to the same question, and how they were settled.
    public struct Conflict: Sendable {
        public var steps: [String]
        public var answers: [String]
        public var resolution: ConflictResolution
        /// The step whose answer won; nil when escalated.
        public var winner: String?
    }

    /// Nil for an in-memory run.
    public var runID: Int64?
    public var workflow: String
    public var mode: Workflow.Mode
    public var status: RunStatus
    public var result: [UInt8]?
    public var error: String?
    public var steps: [Step]
    public var vote: Vote?
    public var conflicts: [Conflict]
    /// Attempts beyond each step's first.
    public var retries: Int

    public var resultText: String? { result.map { String(decoding: $0, as: UTF8.self) } }

    public func step(_ id: String) -> Step? { steps.first { $0.id == id } }
}
