import Foundation

/// A unified diff (`diff -u`, `git diff`), parsed into files and hunks. The
/// Code agent applies it and the Review agent reads it; both see the same
/// structure, with each line's number on its side of the change.
public struct UnifiedDiff: Sendable {
    public enum Line: Sendable, Hashable {
        case context(String)
        case removed(String)
        case added(String)
    }

    public struct Hunk: Sendable {
        public var oldStart: Int
        public var oldCount: Int
        public var newStart: Int
        public var newCount: Int
        /// The text after the second `@@`, usually the enclosing function.
        public var section: String
        public var lines: [Line]
        /// The line of the diff the hunk header is on (1-based).
        public var diffLine: Int
        /// `\ No newline at end of file` followed the old or the new side's last line.
        public var oldMissingNewline = false
        public var newMissingNewline = false

        /// The old side's lines, in order.
        public var oldLines: [String] {
            lines.compactMap { if case .context(let text) = $0 { text } else if case .removed(let text) = $0 { text } else { nil } }
        }

        /// The new side's lines, in order.
        public var newLines: [String] {
            lines.compactMap { if case .context(let text) = $0 { text } else if case .added(let text) = $0 { text } else { nil } }
        }

        /// Each added line with its number in the new file.
        public var addedLines: [(number: Int, text: String)] {
            var number = newStart
            var result: [(Int, String)] = []
            for line in lines {
                switch line {
                case .context: number += 1
                case .added(let text):
                    result.append((number, text))
                    number += 1
                case .removed: break
                }
            }
            return result
        }
    }

    public struct FileChange: Sendable {
        /// Paths with git's `a/` and `b/` taken off; nil for /dev/null.
        public var oldPath: String?
        public var newPath: String?
        public var hunks: [Hunk] = []
        public var isBinary = false
        /// For a git binary patch, the size of the new contents when it says.
        public var binarySize: Int?

        /// The path the change is known by: the new one, or the old one for a deletion.
        public var path: String { newPath ?? oldPath ?? "?" }
        public var isNew: Bool { oldPath == nil && newPath != nil }
        public var isDeleted: Bool { newPath == nil && oldPath != nil }
    }

    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var line: Int
        public var problem: String
        public var description: String { "diff line \(line): \(problem)" }
    }

    public var files: [FileChange]

    /// Parses `text`; a hunk whose header does not parse, or whose lines do
    /// not add up to the counts in its header, is an error naming its line.
    public init(parsing text: String) throws(ParseError) {
        files = []
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> Substring in
            line.hasSuffix("\r") ? line.dropLast() : line
        }
        var index = 0
        var current: FileChange?
        func finish() {
            if let file = current { files.append(file) }
            current = nil
        }
        while index < lines.count {
            let line = lines[index]
            if line.hasPrefix("diff --git ") {
                finish()
                let paths = Self.gitPaths(line.dropFirst("diff --git ".count))
                current = FileChange(oldPath: paths.0, newPath: paths.1)
            } else if line.hasPrefix("new file mode") {
                current?.oldPath = nil
            } else if line.hasPrefix("deleted file mode") {
                current?.newPath = nil
            } else if line.hasPrefix("Binary files ") {
                if current == nil { current = FileChange(oldPath: nil, newPath: nil) }
                current?.isBinary = true
                // "Binary files a/x and /dev/null differ"
                let body = line.dropFirst("Binary files ".count).replacingOccurrences(of: " differ", with: "")
                let parts = body.components(separatedBy: " and ")
                if parts.count == 2 {
                    current?.oldPath = Self.strip(Substring(parts[0]))
                    current?.newPath = Self.strip(Substring(parts[1]))
                }
            } else if line == "GIT binary patch" {
                current?.isBinary = true
                if index + 1 < lines.count, lines[index + 1].hasPrefix("literal ") {
                    current?.binarySize = Int(lines[index + 1].dropFirst("literal ".count))
                }
            } else if line.hasPrefix("--- "), index + 1 < lines.count, lines[index + 1].hasPrefix("+++ ") {
                if current == nil || !(current!.hunks.isEmpty) { finish(); current = FileChange(oldPath: nil, newPath: nil) }
                current?.oldPath = Self.strip(line.dropFirst(4))
                current?.newPath = Self.strip(lines[index + 1].dropFirst(4))
                index += 1
            } else if line.hasPrefix("@@") {
                guard current != nil else { throw ParseError(line: index + 1, problem: "a hunk before any file header (--- / +++)") }
                var hunk = try Self.header(line, at: index + 1)
                var oldSeen = 0, newSeen = 0
                index += 1
                while index < lines.count, oldSeen < hunk.oldCount || newSeen < hunk.newCount
                        || (index < lines.count && lines[index].hasPrefix("\\")) {
                    let body = lines[index]
                    if body.hasPrefix("\\") {
                        // "\ No newline at end of file" belongs to the line before it.
                        switch hunk.lines.last {
                        case .added: hunk.newMissingNewline = true
                        case .removed: hunk.oldMissingNewline = true
                        default: hunk.oldMissingNewline = true; hunk.newMissingNewline = true
                        }
                        index += 1
                        continue
                    }
                    guard oldSeen < hunk.oldCount || newSeen < hunk.newCount else { break }
                    let text = String(body.dropFirst())
                    switch body.first {
                    case " ", nil:
                        hunk.lines.append(.context(text)); oldSeen += 1; newSeen += 1
                    case "-":
                        hunk.lines.append(.removed(text)); oldSeen += 1
                    case "+":
                        hunk.lines.append(.added(text)); newSeen += 1
                    default:
                        throw ParseError(line: index + 1, problem: "expected a line starting with ' ', '-' or '+' inside the hunk at line \(hunk.diffLine)")
                    }
                    index += 1
                }
                guard oldSeen == hunk.oldCount, newSeen == hunk.newCount else {
                    throw ParseError(line: hunk.diffLine, problem: "the hunk says -\(hunk.oldCount) +\(hunk.newCount) lines but has -\(oldSeen) +\(newSeen); "
                                     + "the diff is cut short or was edited by hand")
                }
                current?.hunks.append(hunk)
                continue
            }
            index += 1
        }
        finish()
        files.removeAll { $0.hunks.isEmpty && !$0.isBinary && $0.oldPath == $0.newPath && $0.oldPath == nil }
    }

    private static func header(_ line: Substring, at number: Int) throws(ParseError) -> Hunk {
        // @@ -oldStart[,oldCount] +newStart[,newCount] @@ section
        let parts = line.split(separator: " ", maxSplits: 4, omittingEmptySubsequences: true)
        guard parts.count >= 4, parts[0] == "@@", parts[3] == "@@", parts[1].hasPrefix("-"), parts[2].hasPrefix("+"),
              let old = range(parts[1].dropFirst()), let new = range(parts[2].dropFirst()) else {
            throw ParseError(line: number, problem: "'\(line)' is not a hunk header (@@ -a,b +c,d @@)")
        }
        return Hunk(oldStart: old.0, oldCount: old.1, newStart: new.0, newCount: new.1,
                    section: parts.count > 4 ? String(parts[4]) : "", lines: [], diffLine: number)
    }

    private static func range(_ text: Substring) -> (Int, Int)? {
        let pieces = text.split(separator: ",")
        guard let start = Int(pieces[0]) else { return nil }
        if pieces.count == 1 { return (start, 1) }
        guard pieces.count == 2, let count = Int(pieces[1]) else { return nil }
        return (start, count)
    }

    /// `a/x b/x` from a `diff --git` line (paths without spaces).
    private static func gitPaths(_ text: Substring) -> (String?, String?) {
        let parts = text.split(separator: " ")
        guard parts.count >= 2 else { return (nil, nil) }
        return (strip(parts[0]), strip(parts[parts.count - 1]))
    }

    /// A path from a header: no timestamp, no `a/` or `b/`, nil for /dev/null.
    private static func strip(_ text: Substring) -> String? {
        var path = text.split(separator: "\t").first.map(String.init) ?? ""
        path = path.trimmingCharacters(in: .whitespaces)
        if path == "/dev/null" { return nil }
        if path.hasPrefix("a/") || path.hasPrefix("b/") { path.removeFirst(2) }
        return path
    }
}
