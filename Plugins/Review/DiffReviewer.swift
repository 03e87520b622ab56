import AgentSupport
import Foundation

/// Reads a parsed diff and writes comments: secrets, merge markers, debug
/// prints, TODOs, long lines and functions, untested changes, large binaries.
struct DiffReviewer {
    let rules: ReviewRules

    func review(_ diff: UnifiedDiff) -> [ReviewComment] {
        var comments: [ReviewComment] = []
        for file in diff.files where !file.isDeleted {
            if file.isBinary {
                let size = file.binarySize
                if size.map({ $0 >= rules.largeFileBytes }) ?? true {
                    let what = size.map { "\($0) bytes" } ?? "of unknown size (the diff does not carry it)"
                    comments.append(ReviewComment(file: file.path, line: nil, severity: size == nil ? .warning : .error, rule: "large-binary",
                                                  message: "a binary file \(what) is added; keep large binaries out of the repository (Git LFS, a release asset)"))
                }
                continue
            }
            for hunk in file.hunks {
                for (number, text) in hunk.addedLines {
                    comments += lineFindings(file.path, number, text)
                }
                comments += functionFindings(file.path, hunk)
            }
        }
        comments += untestedChanges(diff)
        return comments.sorted { ($0.file, $0.line ?? 0, $0.rule) < ($1.file, $1.line ?? 0, $1.rule) }
    }

    private func lineFindings(_ file: String, _ number: Int, _ text: String) -> [ReviewComment] {
        var found: [ReviewComment] = []
        func add(_ severity: ReviewComment.Severity, _ rule: String, _ message: String) {
            found.append(ReviewComment(file: file, line: number, severity: severity, rule: rule, message: message))
        }
        for (what, pattern) in ReviewRules.secretPatterns where pattern.matches(text) {
            add(.error, "secret", "\(what) is committed; remove it, rotate it, and read it from the environment or a secret store")
            break
        }
        if text.hasPrefix("<<<<<<< ") || text == "=======" || text.hasPrefix(">>>>>>> ") || text.hasPrefix("||||||| ") {
            add(.error, "merge-marker", "a merge conflict marker is left in; resolve the conflict")
        }
        if ReviewRules.isSource(file), !ReviewRules.isTest(file), !ReviewRules.printsAreOutput(file) {
            for (what, pattern) in ReviewRules.debugPrintPatterns where pattern.matches(text) {
                add(.warning, "debug-print", "\(what) looks like debugging output; remove it or use the logger")
                break
            }
        }
        if let match = ReviewRules.todoPattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
           let range = Range(match.range, in: text) {
            add(.info, "todo", "\(text[range]) added: \(text[range.lowerBound...].trimmingCharacters(in: .whitespaces).prefix(100))")
        }
        if text.count > rules.maxLineLength {
            add(.info, "long-line", "line is \(text.count) characters (limit \(rules.maxLineLength))")
        }
        return found
    }

    /// Functions whose whole body is added in one hunk and runs over the limit,
    /// found by brace depth (C family) or indentation (Python).
    private func functionFindings(_ file: String, _ hunk: UnifiedDiff.Hunk) -> [ReviewComment] {
        let added = hunk.addedLines
        var found: [ReviewComment] = []
        let isPython = file.hasSuffix(".py")
        var index = 0
        while index < added.count {
            let (start, text) = added[index]
            guard let name = Self.functionName(text, python: isPython) else { index += 1; continue }
            var end = index
            if isPython {
                let indent = text.prefix { $0 == " " || $0 == "\t" }.count
                var next = index + 1
                while next < added.count, added[next].number == added[next - 1].number + 1 {
                    let line = added[next].text
                    if !line.trimmingCharacters(in: .whitespaces).isEmpty, line.prefix(while: { $0 == " " || $0 == "\t" }).count <= indent { break }
                    end = next
                    next += 1
                }
            } else {
                var depth = 0
                var opened = false
                var next = index
                while next < added.count, next == index || added[next].number == added[next - 1].number + 1 {
                    for character in added[next].text {
                        if character == "{" { depth += 1; opened = true } else if character == "}" { depth -= 1 }
                    }
                    end = next
                    if opened && depth <= 0 { break }
                    next += 1
                }
                guard opened && depth <= 0 else { index += 1; continue }
            }
            let length = added[end].number - start + 1
            if length > rules.maxFunctionLines {
                found.append(ReviewComment(file: file, line: start, severity: .warning, rule: "long-function",
                                           message: "\(name) is \(length) lines (limit \(rules.maxFunctionLines)); split it into smaller functions"))
            }
            index = end + 1
        }
        return found
    }

    private static let functionPattern = try! NSRegularExpression(pattern:
        #"^\s*(?:(?:public|private|internal|fileprivate|open|static|override|final|mutating|async|export|pub(?:\(crate\))?|fn|func|def|function)\s+)*(?:func|fn|def|function)\s+([A-Za-z_][A-Za-z0-9_]*)"#)
    private static let cFunctionPattern = try! NSRegularExpression(pattern:
        #"^(?:static\s+|inline\s+|extern\s+)*[A-Za-z_][A-Za-z0-9_\s\*]*?\b([A-Za-z_][A-Za-z0-9_]*)\s*\([^;]*\)\s*\{?\s*$"#)

    static func functionName(_ text: String, python: Bool) -> String? {
        let range = NSRange(text.startIndex..., in: text)
        if let match = functionPattern.firstMatch(in: text, range: range), let name = Range(match.range(at: 1), in: text) {
            return String(text[name]) + "()"
        }
        let keywords: Set<String> = ["if", "for", "while", "switch", "return", "else", "do", "sizeof"]
        if !python, let match = cFunctionPattern.firstMatch(in: text, range: range), let name = Range(match.range(at: 1), in: text),
           !keywords.contains(String(text[name])), !text.hasPrefix(" "), !text.hasPrefix("\t") {
            return String(text[name]) + "()"
        }
        return nil
    }

    /// Source files changed with no test file changed in the same diff.
    private func untestedChanges(_ diff: UnifiedDiff) -> [ReviewComment] {
        let changed = diff.files.filter { !$0.isBinary && !$0.isDeleted }
        guard !changed.contains(where: { ReviewRules.isTest($0.path) }) else { return [] }
        return changed.filter { ReviewRules.isSource($0.path) && !$0.hunks.flatMap(\.addedLines).isEmpty }.map { file in
            ReviewComment(file: file.path, line: nil, severity: .warning, rule: "untested-change",
                          message: "source changed without a test changed or added in this diff")
        }
    }
}
