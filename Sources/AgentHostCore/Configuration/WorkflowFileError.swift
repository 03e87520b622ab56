/// A workflow file that cannot be read: every problem found, each with its line.
public struct WorkflowFileError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        /// Counted from 1; nil when the problem is the file as a whole.
        public let line: Int?
        public let problem: String

        public var description: String { line.map { "line \($0): \(problem)" } ?? problem }
    }

    public let path: String
    /// In the order of the file.
    public let problems: [Problem]

    /// The first problem's line and words.
    public var line: Int? { problems.first?.line }
    public var problem: String { problems.first?.problem ?? "" }

    public init(path: String, line: Int?, problem: String) {
        self.path = path
        problems = [Problem(line: line, problem: problem)]
    }

    init(path: String, problems: [(Int?, String)], first: YAMLProblem) {
        self.path = path
        let all = problems.isEmpty ? [(first.line, first.problem)] : problems
        self.problems = all.map { Problem(line: $0.0, problem: $0.1) }
            .sorted { ($0.line ?? 0) < ($1.line ?? 0) }
    }

    public var description: String {
        if problems.count == 1 {
            let place = line.map { "'\(path)', line \($0)" } ?? "'\(path)'"
            return "workflow file \(place): \(problem)"
        }
        return "workflow file '\(path)' has \(problems.count) problems:\n" + problems.map { "  \($0)" }.joined(separator: "\n")
    }
}
