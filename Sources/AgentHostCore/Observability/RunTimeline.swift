/// A workflow run as a person looks at it: a lane per agent, a bar per task
/// the run made (its steps' attempts and the tasks they handed off or
/// delegated), marks for checkpoints and events, and an arrow from each task
/// to every task it made.
///
/// Every time is microseconds from the run's start, so none is negative; the
/// run starts at its first recorded moment, which may be a task written a
/// moment before the run's own row. `TaskStore.timeline(ofRun:)` builds one;
/// `runs show`, `runs trace --format chrome` and `--format html` render it.
public struct RunTimeline: Sendable, Hashable, Encodable {
    /// One task on its agent's lane.
    public struct Bar: Sendable, Hashable, Encodable {
        public enum Kind: String, Sendable, Hashable, Encodable {
            /// A try at a step of the run.
            case attempt
            /// The task that stands for a hierarchical run as a whole.
            case main
            /// Made when an agent handed its task on.
            case handoff
            /// Made from a DELEGATE action or the delegate callback.
            case delegation
            /// A verifier's check of a step's answer.
            case verification
        }

        public var taskId: Int64
        /// The task that made this one, when it is a handoff, delegation or verification.
        public var parentTaskId: Int64?
        public var kind: Kind
        /// The agent that ran it: its lane. "-" for a task no agent took.
        public var agent: String
        public var step: String?
        /// The attempt's place among its step's attempts, in the order they started, from 1:
        /// an attempt interrupted by its host and its retry after the resume are 1 and 2.
        public var number: Int?
        /// 0 for the step's own capability, 1... for its declared alternatives.
        public var alternative: Int
        public var capability: String?
        /// How it ended: completed, failed, rejected, interrupted, cancelled, or running while still open.
        public var outcome: String
        /// Why it did not complete, in words.
        public var reason: String?
        public var startUs: Int64
        /// When it ended; for an open task, the moment the timeline was read,
        /// and for a task whose host died, that host's last sign of life.
        public var endUs: Int64
        /// Still running when the timeline was read.
        public var open: Bool

        public var durationUs: Int64 { endUs - startUs }
    }

    /// A moment on the timeline: a checkpoint, or an event of the run or of one of its tasks.
    public struct Mark: Sendable, Hashable, Encodable {
        /// "checkpoint", a `RunEvent.Kind` or a `TaskEvent.Kind`, as their raw values.
        public var kind: String
        public var atUs: Int64
        public var step: String?
        /// The lane it belongs on; nil for the run as a whole.
        public var agent: String?
        public var taskId: Int64?
        public var detail: String
    }

    /// One task making another: a handoff, a delegation or a verification.
    public struct Arrow: Sendable, Hashable, Encodable {
        public var kind: Bar.Kind
        public var fromTask: Int64
        public var toTask: Int64
        public var atUs: Int64
    }

    public var runId: Int64
    public var name: String
    public var mode: String
    public var status: RunStatus
    public var resumes: Int
    public var error: String?
    /// Microseconds since the Unix epoch at offset 0.
    public var originUs: Int64
    /// From offset 0 to the run's end, or to now for a run still open.
    public var durationUs: Int64
    /// Agents in the order they first worked in the run.
    public var lanes: [String]
    /// In the order they started.
    public var bars: [Bar]
    /// In time order.
    public var marks: [Mark]
    public var arrows: [Arrow]

    /// The step attempts alone, in the order they started.
    public var attempts: [Bar] { bars.filter { $0.kind == .attempt } }
}
