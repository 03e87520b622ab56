import AgentHostCore
import Foundation

/// Agents' replies as a person reads them in a chat: an answer's text and
/// its sources, search results with file:line, a plan's steps, and any other
/// JSON as indented text (strings as text, arrays as bullets, nested objects
/// indented), wrapped to the terminal's width.
struct ChatRenderer {
    /// Columns to wrap at.
    var width: Int
    /// Most lines one reply shows; the rest is left to `tasks show ID`.
    var maximumLines = 200

    /// The lines of `reply` (JSON, or text), each indented by `indent`.
    func render(_ reply: [UInt8], indent: String = "  ") -> [String] {
        guard let tree = JSONTree(parsing: reply) else { return wrap(String(decoding: reply, as: UTF8.self), indent: indent) }
        if case .object = tree {
            if tree["answer"]?.string != nil { return answer(tree, indent: indent) }
            if let results = tree["results"]?.array { return search(tree, results: results, indent: indent) }
            if let steps = tree["steps"]?.array { return plan(tree, steps: steps, indent: indent) }
            if let verdict = tree["verdict"]?.string, tree["supporting"]?.array != nil { return evidence(tree, verdict: verdict, indent: indent) }
        }
        return generic(tree, indent: indent)
    }

    /// `lines` cut at `maximumLines`, with a note saying how to see them all.
    func capped(_ lines: [String], task: Int64?, indent: String = "  ", options: String? = nil) -> [String] {
        guard lines.count > maximumLines else { return lines }
        let more = lines.count - maximumLines
        let how = task.map { "`agenthost tasks show \($0)\(options.map { " " + $0 } ?? "")` shows all of it" } ?? "--json shows all of it"
        return Array(lines.prefix(maximumLines)) + ["\(indent)… \(more) more line\(more == 1 ? "" : "s"); \(how)"]
    }

    // MARK: - Shapes the bundled agents reply with

    /// knowledge.answer: the answer, then its citations as file:line with their passages' headings.
    private func answer(_ tree: JSONTree, indent: String) -> [String] {
        var lines = wrap(tree["answer"]?.string ?? "", indent: indent)
        let passages = tree["passages"]?.array ?? []
        let citations = tree["citations"]?.array ?? []
        if !citations.isEmpty {
            lines.append("\(indent)sources:")
            for citation in citations {
                let number = citation["n"]?.scalarText.map { "[\($0)] " } ?? "- "
                let heading = passages.first { $0["file"] == citation["file"] && $0["line"] == citation["line"] }?["heading"]?.string ?? ""
                lines += wrap(number + location(citation) + (heading.isEmpty ? "" : "  " + heading), indent: indent + "  ",
                              continuation: indent + "  " + String(repeating: " ", count: number.count))
            }
        } else if !passages.isEmpty {
            lines.append("\(indent)passages:")
            for (index, passage) in passages.enumerated() { lines += self.passage(passage, number: index + 1, indent: indent + "  ") }
        }
        return lines
    }

    /// knowledge.search: each result as file:line, heading and score, then its text.
    private func search(_ tree: JSONTree, results: [JSONTree], indent: String) -> [String] {
        let query = tree["query"]?.string.map { " for \"\($0)\"" } ?? ""
        guard !results.isEmpty else { return ["\(indent)no results\(query)"] }
        var lines = ["\(indent)\(results.count) result\(results.count == 1 ? "" : "s")\(query):"]
        for (index, result) in results.enumerated() {
            if case .object = result {
                lines += passage(result, number: index + 1, indent: indent)
            } else {
                lines += wrap("\(index + 1). " + (result.scalarText ?? ""), indent: indent, continuation: indent + "   ")
            }
        }
        return lines
    }

    /// planner.plan and planner.replan: the goal, each step with its agent and what it waits for, and what was left out.
    private func plan(_ tree: JSONTree, steps: [JSONTree], indent: String) -> [String] {
        let goal = tree["goal"]?.string.map { " for \"\($0)\"" } ?? ""
        var lines = ["\(indent)plan\(goal): \(steps.count) step\(steps.count == 1 ? "" : "s")"]
        for (index, step) in steps.enumerated() {
            let id = step["id"]?.scalarText ?? "\(index + 1)"
            let action = step["action"]?.string ?? step["description"]?.string ?? step["capability"]?.scalarText ?? ""
            var line = "\(id). \(action)"
            if let capability = step["capability"]?.string { line += "  -> \(capability)" + (step["agent"]?.string.map { " on \($0)" } ?? "") }
            let after = (step["depends_on"]?.array ?? step["needs"]?.array ?? []).compactMap(\.scalarText)
            if !after.isEmpty { line += "  (after \(after.joined(separator: ", ")))" }
            lines += wrap(line, indent: indent + "  ", continuation: indent + "  " + String(repeating: " ", count: id.count + 2))
        }
        if let left = tree["unassigned"]?.array, !left.isEmpty {
            lines.append("\(indent)not planned:")
            for step in left {
                let what = step["action"]?.scalarText ?? step.scalarText ?? ""
                lines += wrap("- " + what + (step["reason"]?.string.map { ": \($0)" } ?? ""), indent: indent + "  ", continuation: indent + "    ")
            }
        }
        if let changes = tree["changes"]?.array, !changes.isEmpty {
            lines.append("\(indent)changes:")
            lines += generic(.array(changes), indent: indent + "  ")
        }
        if let path = tree["critical_path"]?.array, !path.isEmpty {
            lines += wrap("critical path: " + path.compactMap(\.scalarText).joined(separator: ", "), indent: indent)
        }
        return lines
    }

    /// knowledge.evidence: the verdict with its scores, then the passages for and against.
    private func evidence(_ tree: JSONTree, verdict: String, indent: String) -> [String] {
        var head = "verdict: \(verdict)"
        let scores = [("support", tree["support_score"]), ("contradiction", tree["contradiction_score"])]
            .compactMap { name, value in value?.scalarText.map { "\(name) \($0)" } }
        if !scores.isEmpty { head += " (\(scores.joined(separator: ", ")))" }
        var lines = wrap(head + (tree["claim"]?.string.map { " for \"\($0)\"" } ?? ""), indent: indent)
        for side in ["supporting", "contradicting"] {
            let passages = tree[side]?.array ?? []
            lines.append("\(indent)\(side):" + (passages.isEmpty ? " (none)" : ""))
            for (index, passage) in passages.enumerated() { lines += self.passage(passage, number: index + 1, indent: indent + "  ") }
        }
        return lines
    }

    // MARK: - Any JSON

    /// Strings as text, arrays as bullets, objects as `key: value` with nested values indented.
    func generic(_ tree: JSONTree, indent: String) -> [String] {
        switch tree {
        case .object(let fields):
            if fields.isEmpty { return ["\(indent)(empty)"] }
            if isPassage(tree) { return passage(tree, number: nil, indent: indent) }
            return fields.flatMap { field(Self.label($0.key), $0.value, indent: indent) }
        case .array(let values):
            if values.isEmpty { return ["\(indent)(none)"] }
            return values.flatMap { bullet($0, indent: indent) }
        default:
            return wrap(tree.scalarText ?? "", indent: indent)
        }
    }

    /// One field of an object: on its line when it fits, else below it, indented.
    private func field(_ label: String, _ value: JSONTree, indent: String) -> [String] {
        switch value {
        case .array(let values) where values.isEmpty: return ["\(indent)\(label): (none)"]
        case .object(let fields) where fields.isEmpty: return ["\(indent)\(label): (empty)"]
        case .array(let values) where values.allSatisfy({ $0.scalarText != nil && !($0.scalarText ?? "").contains("\n") }):
            let joined = "\(indent)\(label): " + values.compactMap(\.scalarText).joined(separator: ", ")
            if joined.count <= width { return [joined] }
            return ["\(indent)\(label):"] + generic(value, indent: indent + "  ")
        case .array, .object:
            return ["\(indent)\(label):"] + generic(value, indent: indent + "  ")
        default:
            let text = value.scalarText ?? ""
            if text.contains("\n") || indent.count + label.count + 2 + text.count > width && text.count > width / 2 {
                return ["\(indent)\(label):"] + wrap(text, indent: indent + "  ")
            }
            return wrap("\(label): \(text)", indent: indent, continuation: indent + "  ")
        }
    }

    /// An item of a list: `- ` and the item, its further lines under its first.
    private func bullet(_ value: JSONTree, indent: String) -> [String] {
        let inner = generic(value, indent: indent + "  ")
        guard let first = inner.first else { return ["\(indent)-"] }
        return ["\(indent)- " + first.dropFirst(indent.count + 2)] + inner.dropFirst()
    }

    /// An object that points into a file: it has `file` and `line`.
    private func isPassage(_ tree: JSONTree) -> Bool { tree["file"]?.string != nil && tree["line"] != nil }

    /// `file:line  heading  (score …)`, then the passage's text below it, its common indentation removed.
    private func passage(_ tree: JSONTree, number: Int?, indent: String) -> [String] {
        let prefix = number.map { "\($0). " } ?? ""
        var head = prefix + location(tree)
        if let heading = tree["heading"]?.string, !heading.isEmpty { head += "  " + heading }
        if let score = tree["score"]?.scalarText { head += "  (score \(score))" }
        let body = indent + String(repeating: " ", count: max(prefix.count, 2))
        var lines = wrap(head, indent: indent, continuation: body)
        if let text = tree["text"]?.string, !text.isEmpty {
            let truncated = tree["truncated"] == .bool(true)
            let prose = Self.isProse(tree["file"]?.string ?? "")
            lines += wrap((prose ? Self.reflow(Self.dedent(text)) : Self.dedent(text)) + (truncated ? " …" : ""), indent: body)
        }
        // What else it says, as fields.
        if case .object(let fields) = tree {
            for (key, value) in fields where !["file", "line", "heading", "score", "text", "truncated", "n"].contains(key) {
                lines += field(Self.label(key), value, indent: body)
            }
        }
        return lines
    }

    private func location(_ tree: JSONTree) -> String {
        (tree["file"]?.scalarText ?? "?") + (tree["line"]?.scalarText.map { ":\($0)" } ?? "")
    }

    // MARK: - Text

    /// `text` wrapped at `width`, its first line after `indent` and the rest
    /// after `continuation`; its own line breaks are kept, and each of its
    /// lines keeps its leading spaces.
    func wrap(_ text: String, indent: String, continuation: String? = nil) -> [String] {
        let next = continuation ?? indent
        var lines: [String] = []
        for (number, part) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let paragraph = part.replacingOccurrences(of: "\t", with: "    ")
            let lead = String(paragraph.prefix { $0 == " " })
            // Split at single spaces, so runs of spaces inside the line (columns) are kept.
            let words = paragraph.dropFirst(lead.count).split(separator: " ", omittingEmptySubsequences: false)
            guard words.contains(where: { !$0.isEmpty }) else { lines.append(""); continue }
            var line = (number == 0 ? indent : next) + lead
            var started = false
            for whole in words {
                var word = whole
                if started, line.count + 1 + word.count > width {
                    lines.append(line)
                    line = next + lead
                    started = false
                }
                if !started, word.isEmpty { continue }  // no spaces at the start of a wrapped line
                // A word longer than a line is cut where the line ends (unless the indentation leaves too little room).
                while !started, line.count + word.count > width, width - line.count >= 20 {
                    let room = width - line.count
                    lines.append(line + word.prefix(room))
                    word = word.dropFirst(room)
                    line = next + lead
                }
                if started { line += " " }
                line += word
                started = true
            }
            lines.append(line)
        }
        return lines
    }

    /// `text` without the indentation all its non-blank lines share, and without blank lines at either end.
    static func dedent(_ text: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        while let first = lines.first, first.allSatisfy(\.isWhitespace) { lines.removeFirst() }
        while let last = lines.last, last.allSatisfy(\.isWhitespace) { lines.removeLast() }
        let common = lines.filter { !$0.allSatisfy(\.isWhitespace) }.map { $0.prefix { $0 == " " }.count }.min() ?? 0
        return lines.map { $0.allSatisfy(\.isWhitespace) ? "" : String($0.dropFirst(common)) }.joined(separator: "\n")
    }

    /// Whether `file` holds prose (Markdown, text), whose lines may be joined into paragraphs.
    static func isProse(_ file: String) -> Bool {
        ["md", "markdown", "txt", "rst", "adoc"].contains(file.split(separator: ".").last.map { $0.lowercased() } ?? "")
    }

    /// Prose with each paragraph's lines joined, so it wraps at the terminal's width rather than its author's;
    /// lines that are lists, tables, headings, code or indented stay lines of their own.
    static func reflow(_ text: String) -> String {
        var out: [String] = []
        var fenced = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("```") { fenced.toggle() }
            let own = fenced || trimmed.isEmpty || trimmed.hasPrefix("```") || line.hasPrefix("    ") || trimmed.hasPrefix("|")
                || trimmed.hasPrefix("#") || trimmed.hasPrefix("- ") || trimmed.hasPrefix("* ") || trimmed.hasPrefix(">")
                || trimmed.prefix(while: \.isNumber).count > 0 && trimmed.drop(while: \.isNumber).hasPrefix(". ")
            if !own, let last = out.last, !last.isEmpty, !ChatRenderer.endsBlock(last) {
                out[out.count - 1] = last + " " + trimmed
            } else {
                out.append(line)
            }
        }
        return out.joined(separator: "\n")
    }

    /// Whether a line of prose is one the next line must not join: blank, a table row, a heading, a code fence, or indented code.
    private static func endsBlock(_ line: String) -> Bool {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty || trimmed.hasPrefix("|") || trimmed.hasPrefix("#") || trimmed.hasPrefix("```") || line.hasPrefix("    ")
    }

    /// A key as a label: `depends_on` reads `depends on`.
    static func label(_ key: String) -> String { key.replacingOccurrences(of: "_", with: " ") }

    /// The width to wrap at: the terminal's, else $COLUMNS, else 80; at least 40.
    static func width(terminalColumns: Int) -> Int {
        if terminalColumns > 0 { return max(40, terminalColumns) }
        if let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), columns > 0 { return max(40, columns) }
        return 80
    }
}
