/// Why a workflow cannot run, found before any step starts: every problem,
/// each with the step and the line of the workflow file it is on.
public struct WorkflowValidationError: Error, Sendable, CustomStringConvertible {
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        public var step: String?
        public var line: Int?
        public var message: String

        public var description: String {
            var place: [String] = []
            if let line { place.append("line \(line)") }
            if let step { place.append("step '\(step)'") }
            return place.isEmpty ? message : "\(place.joined(separator: ", ")): \(message)"
        }
    }

    public var workflow: String
    public var source: String?
    public var problems: [Problem]

    public var description: String {
        let name = source.map { "\($0) (workflow '\(workflow)')" } ?? "workflow '\(workflow)'"
        if problems.count == 1 { return "\(name) cannot run: \(problems[0])" }
        return "\(name) cannot run, \(problems.count) problems:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}
