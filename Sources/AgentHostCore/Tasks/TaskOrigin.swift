/// How a task came to exist: asked for directly, or made by another task.
public enum TaskOrigin: String, Sendable, Codable, CustomStringConvertible {
    /// Submitted by a user or a program through the host.
    case submitted
    /// Parsed from a DELEGATE action in an agent's reply.
    case delegated
    /// Made when an agent handed its task to another agent.
    case handoff
    /// Asked for by a plugin through the `delegate` host callback.
    case callback
    /// A step of a workflow run, or the main task of a hierarchical one.
    case workflow
    /// A verifier's check of a workflow step's answer.
    case verification
    /// A turn of a conversation.
    case conversation

    public var description: String { rawValue }
}
