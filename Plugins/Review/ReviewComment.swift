/// One finding on a diff, anchored to the new file's line.
struct ReviewComment: Encodable, Sendable, Hashable {
    enum Severity: String, Encodable, Sendable, Comparable {
        case info, warning, error

        private var rank: Int { self == .info ? 0 : self == .warning ? 1 : 2 }
        static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
    }

    var file: String
    /// The line in the new version of the file; nil for a finding about the whole file.
    var line: Int?
    var severity: Severity
    /// A stable identifier: "secret", "merge-marker", "debug-print", "todo", "long-line",
    /// "long-function", "untested-change", "large-binary".
    var rule: String
    var message: String
}
