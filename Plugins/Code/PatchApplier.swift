import AgentSupport

/// Applies a unified diff to file contents in memory: every hunk of every
/// file is placed first, and only a patch whose hunks all fit is written, so
/// a failed patch leaves no file half-changed.
struct PatchApplier {
    struct HunkReport: Encodable, Sendable {
        var file: String
        /// 1-based, in the order of the diff.
        var hunk: Int
        var header: String
        /// "applied" or "conflict".
        var status: String
        /// How many lines from where the header said the hunk was found.
        var offset: Int?
        var reason: String?
    }

    /// A file's new state: its new text, or nil when it is deleted.
    struct FileResult: Sendable {
        var path: String
        var oldPath: String?
        var contents: String?
        /// "created", "modified", "deleted" or "renamed".
        var status: String
    }

    /// How far from its stated line a hunk may be found.
    var maxOffset = 200

    /// Places every hunk of `file` into `original` (nil: the file does not exist).
    func apply(_ file: UnifiedDiff.FileChange, to original: String?) -> (FileResult?, [HunkReport]) {
        var reports: [HunkReport] = []
        func header(_ hunk: UnifiedDiff.Hunk) -> String {
            "@@ -\(hunk.oldStart),\(hunk.oldCount) +\(hunk.newStart),\(hunk.newCount) @@"
        }
        if file.isBinary {
            return (nil, [HunkReport(file: file.path, hunk: 0, header: "binary", status: "conflict", offset: nil,
                                     reason: "binary patches are not applied; copy the file instead")])
        }
        if file.isNew, original != nil {
            return (nil, [HunkReport(file: file.path, hunk: 1, header: file.hunks.first.map(header) ?? "", status: "conflict", offset: nil,
                                     reason: "the patch creates \(file.path), which already exists")])
        }
        if !file.isNew, original == nil {
            return (nil, [HunkReport(file: file.path, hunk: 1, header: file.hunks.first.map(header) ?? "", status: "conflict", offset: nil,
                                     reason: "\(file.oldPath ?? file.path) does not exist")])
        }
        var lines = Self.lines(of: original ?? "")
        var endsWithNewline = original.map { $0.isEmpty || $0.hasSuffix("\n") } ?? true
        var shift = 0         // how the hunks applied so far moved later lines
        var floor = 0         // hunks apply in order; a hunk never goes above the previous one
        var failed = false
        for (number, hunk) in file.hunks.enumerated() {
            let old = hunk.oldLines
            let expected = max(0, (hunk.oldCount == 0 ? hunk.oldStart : hunk.oldStart - 1) + shift)
            guard let position = place(old, in: lines, near: expected, from: floor) else {
                failed = true
                reports.append(HunkReport(file: file.path, hunk: number + 1, header: header(hunk), status: "conflict", offset: nil,
                                          reason: mismatch(old, in: lines, at: expected)))
                continue
            }
            lines.replaceSubrange(position..<(position + old.count), with: hunk.newLines)
            reports.append(HunkReport(file: file.path, hunk: number + 1, header: header(hunk), status: "applied",
                                      offset: position - expected, reason: nil))
            floor = position + hunk.newLines.count
            shift += hunk.newLines.count - old.count
            if position + hunk.newLines.count == lines.count {
                if hunk.newMissingNewline { endsWithNewline = false } else if hunk.oldMissingNewline { endsWithNewline = true }
            }
        }
        guard !failed else { return (nil, reports) }
        if file.isDeleted {
            return (FileResult(path: file.path, oldPath: file.oldPath, contents: nil, status: "deleted"), reports)
        }
        var text = lines.joined(separator: "\n")
        if endsWithNewline, !lines.isEmpty { text += "\n" }
        let status = file.isNew ? "created" : file.oldPath != file.newPath ? "renamed" : "modified"
        return (FileResult(path: file.path, oldPath: file.oldPath, contents: text, status: status), reports)
    }

    /// Where `old` occurs in `lines`, nearest to `expected` and not above `floor`;
    /// an exact match first, then one that differs only in trailing whitespace.
    private func place(_ old: [String], in lines: [String], near expected: Int, from floor: Int) -> Int? {
        if old.isEmpty { return min(max(expected, floor), lines.count) }
        for compare in [{ (a: String, b: String) in a == b }, { $0.trimmingTrailingWhitespace == $1.trimmingTrailingWhitespace }] {
            for distance in 0...maxOffset {
                for candidate in distance == 0 ? [expected] : [expected - distance, expected + distance] {
                    guard candidate >= floor, candidate + old.count <= lines.count else { continue }
                    if zip(old, lines[candidate...]).allSatisfy(compare) { return candidate }
                }
            }
        }
        return nil
    }

    /// Says which line differs where the hunk should have been.
    private func mismatch(_ old: [String], in lines: [String], at expected: Int) -> String {
        for (index, wanted) in old.enumerated() {
            let number = expected + index
            guard number < lines.count else {
                return "the file has \(lines.count) lines; the hunk expects line \(number + 1) to be \"\(wanted.prefix(80))\""
            }
            if lines[number] != wanted {
                return "line \(number + 1) is \"\(lines[number].prefix(80))\" where the hunk expects \"\(wanted.prefix(80))\" "
                    + "(and its context is found nowhere within \(maxOffset) lines)"
            }
        }
        return "its context is not found in order after the previous hunk"
    }

    static func lines(of text: String) -> [String] {
        guard !text.isEmpty else { return [] }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if text.hasSuffix("\n") { lines.removeLast() }
        return lines
    }
}

extension String {
    var trimmingTrailingWhitespace: Substring {
        var end = endIndex
        while end > startIndex, let previous = self[..<end].last, previous == " " || previous == "\t" || previous == "\r" {
            end = index(before: end)
        }
        return self[..<end]
    }
}
