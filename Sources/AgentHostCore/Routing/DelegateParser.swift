/// Parses the DELEGATE actions of a text message, strictly: every block has
/// exactly one AGENT_TYPE and one TASK and ends with `---END---`; anything
/// else is an error naming the line, never a guess. Text outside blocks is
/// prose and is ignored. A TASK may continue on the lines after it.
public enum DelegateParser {
    static let actionPrefix = "ACTION:"
    static let endMarker = "---END---"

    /// Whether `bytes` may hold a DELEGATE action: a cheap test before
    /// parsing. It may say yes wrongly, never no: it looks for a line that
    /// starts, after spaces or tabs, with "ACTION:", as the parser does.
    static func mayContainAction(_ bytes: [UInt8]) -> Bool {
        let marker = Array(actionPrefix.utf8)
        guard bytes.count >= marker.count else { return false }
        var lineStart = true
        var index = 0
        while index <= bytes.count - marker.count {
            let byte = bytes[index]
            if lineStart, byte == marker[0], bytes[index..<(index + marker.count)].elementsEqual(marker) { return true }
            if byte == UInt8(ascii: "\n") {
                lineStart = true
            } else if byte != UInt8(ascii: " "), byte != UInt8(ascii: "\t") {
                lineStart = false
            }
            index += 1
        }
        return false
    }

    public static func parse(_ text: String) throws(DelegateParseError) -> [DelegateAction] {
        var actions: [DelegateAction] = []
        var open: (line: Int, agentType: String?, agentTypeLine: Int, task: String?, taskLine: Int?)?
        var lineNumber = 0
        // "\r\n" is one Character in Swift: a message with Windows line ends splits on it too.
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            let trimmed = line.trimmingSpaces
            guard var block = open else {
                if trimmed.hasPrefix(actionPrefix) {
                    let action = trimmed.dropFirst(actionPrefix.count).trimmingSpaces
                    guard action == "DELEGATE" else {
                        throw DelegateParseError(line: lineNumber, problem: "unknown action '\(action)'; the only action is DELEGATE")
                    }
                    open = (lineNumber, nil, 0, nil, nil)
                } else if trimmed == endMarker {
                    throw DelegateParseError(line: lineNumber, problem: "\(endMarker) without an ACTION: DELEGATE before it")
                }
                continue
            }
            if trimmed == endMarker {
                guard let agentType = block.agentType else {
                    throw DelegateParseError(line: lineNumber, problem: "the block that starts on line \(block.line) has no AGENT_TYPE")
                }
                guard let task = block.task.map({ Substring($0).trimmingSpaces }), !task.isEmpty else {
                    throw DelegateParseError(line: block.taskLine ?? lineNumber,
                                             problem: "the block that starts on line \(block.line) has \(block.task == nil ? "no TASK" : "an empty TASK")")
                }
                actions.append(DelegateAction(agentType: agentType, task: String(task), line: block.line, agentTypeLine: block.agentTypeLine,
                                             taskLine: block.taskLine))
                open = nil
                continue
            }
            if trimmed.hasPrefix(actionPrefix) {
                throw DelegateParseError(line: block.line, problem: "the block is not closed with \(endMarker) before the next ACTION on line \(lineNumber)")
            }
            if let (field, value) = fieldLine(trimmed) {
                switch field {
                case "AGENT_TYPE":
                    guard block.agentType == nil else { throw DelegateParseError(line: lineNumber, problem: "AGENT_TYPE given twice") }
                    guard !value.isEmpty else { throw DelegateParseError(line: lineNumber, problem: "AGENT_TYPE is empty") }
                    guard !value.contains(where: \.isWhitespace) else {
                        throw DelegateParseError(line: lineNumber, problem: "AGENT_TYPE '\(value)' must be one word, e.g. knowledge")
                    }
                    block.agentType = String(value)
                    block.agentTypeLine = lineNumber
                case "TASK":
                    guard block.task == nil else { throw DelegateParseError(line: lineNumber, problem: "TASK given twice") }
                    block.task = String(value)
                    block.taskLine = lineNumber
                default:
                    throw DelegateParseError(line: lineNumber, problem: "unknown field '\(field)'; a DELEGATE block has AGENT_TYPE and TASK")
                }
            } else if block.task != nil {
                block.task! += "\n" + line
            } else if !trimmed.isEmpty {
                throw DelegateParseError(line: lineNumber, problem: "expected AGENT_TYPE: or TASK:, found '\(trimmed.prefix(40))'")
            }
            open = block
        }
        if let block = open {
            throw DelegateParseError(line: block.line, problem: "the block is never closed; end it with a line \(endMarker)")
        }
        return actions
    }

    /// `FIELD: value` where FIELD is upper case letters and underscores.
    private static func fieldLine(_ line: Substring) -> (Substring, Substring)? {
        guard let colon = line.firstIndex(of: ":") else { return nil }
        let field = line[..<colon]
        guard !field.isEmpty, field.allSatisfy({ ($0 >= "A" && $0 <= "Z") || $0 == "_" }) else { return nil }
        return (field, line[line.index(after: colon)...].trimmingSpaces)
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" { result.removeFirst() }
        while let last = result.last, last == " " || last == "\t" || last == "\r" { result.removeLast() }
        return result
    }
}
