/// How a hierarchical run joins its subtasks' results into the main task's.
public enum Aggregation: Sendable, Hashable, Codable {
    /// The results' texts in step order, joined by `separator`.
    case concat(separator: String)
    /// The answer most subtasks gave, after `normalization`; ties go to the earliest step.
    case vote(normalization: Normalization)
    /// JSON objects merged key by key, in step order. Nested objects merge
    /// the same way and two arrays are joined as a union in order (an item
    /// equal to one already there is not repeated); any other two values
    /// under one key are a conflict, settled by `conflict`.
    case merge(conflict: MergeConflictRule)

    public var name: String {
        switch self {
        case .concat: "concat"
        case .vote: "vote"
        case .merge: "merge"
        }
    }
}

/// What `merge` does when two subtasks give one key different values.
public enum MergeConflictRule: String, Sendable, Hashable, Codable, CaseIterable {
    /// Keep the earlier step's value.
    case first
    /// Keep the later step's value.
    case last
    /// Fail the aggregation, naming the key and the two steps.
    case fail
}
