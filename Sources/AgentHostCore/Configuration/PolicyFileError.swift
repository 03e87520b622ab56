/// A policy file that cannot be used, with the line that is wrong.
public struct PolicyFileError: Error, Sendable, Hashable, CustomStringConvertible {
    public let path: String
    /// Counted from 1; nil when the problem is the file as a whole.
    public let line: Int?
    public let problem: String

    public var description: String {
        let place = line.map { "'\(path)', line \($0)" } ?? "'\(path)'"
        return "policy file \(place): \(problem)"
    }
}
