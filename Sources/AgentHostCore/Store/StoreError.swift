/// The task store could not be opened, read or written.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// The database file.
    public let path: String
    public let problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String {
        "the task store '\(path)' \(problem); check the file and its folder are writable, or choose another with --state PATH"
    }
}
