import AgentSupport
import Foundation

/// Reads compiler and runtime output into diagnostics. Each reader looks for
/// its own tool's shapes line by line; one output may hold several tools'
/// (a build's compiler errors, then a crash of what did build).
enum FailureOutput {
    static func diagnose(_ output: String) -> [Diagnostic] {
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false).map {
            String($0.hasSuffix("\r") ? $0.dropLast() : $0)
        }
        var found: [Diagnostic] = []
        var index = 0
        while index < lines.count {
            let line = lines[index]
            if let (diagnostic, consumed) = rustc(lines, index) ?? python(lines, index) ?? sanitizer(lines, index) ?? swiftCrash(lines, index) {
                found.append(diagnostic)
                index += max(consumed, 1)
                continue
            }
            if let diagnostic = compiler(line, previous: index > 0 ? lines[index - 1] : "") ?? linker(line) {
                found.append(diagnostic)
            }
            index += 1
        }
        // A compiler repeats a message in its notes and code excerpts; keep one per place and message.
        var seen = Set<String>()
        return found.filter { seen.insert("\($0.file ?? ""):\($0.line ?? 0):\($0.message)").inserted }
    }

    /// swiftc, clang and gcc: `file:line:col: error: message` (also `warning`, `fatal error`).
    private static func compiler(_ line: String, previous: String) -> Diagnostic? {
        guard let (location, rest) = SourceLocation.leading(Substring(line)) else { return nil }
        let kinds = [("fatal error: ", "error"), ("error: ", "error"), ("warning: ", "warning"), ("runtime error: ", "undefined-behavior")]
        guard let (prefix, kind) = kinds.first(where: { rest.hasPrefix($0.0) }) else { return nil }
        let message = String(rest.dropFirst(prefix.count))
        let tool: String
        if kind == "undefined-behavior" { tool = "sanitizer" }
        else if location.file.hasSuffix(".swift") { tool = "swiftc" }
        else if message.contains("‘") || previous.contains("In function ‘") { tool = "gcc" }   // gcc quotes with ‘’
        else { tool = "clang" }
        return Diagnostic(tool: tool, kind: kind, message: message, at: location)
    }

    /// ld: `file.c:(.text+0x9): undefined reference to 'foo'`, or lld's `undefined symbol: foo`.
    private static func linker(_ line: String) -> Diagnostic? {
        guard line.contains("undefined reference to") || line.contains("undefined symbol:") else { return nil }
        let message = line.components(separatedBy: ": ").drop { !$0.contains("undefined") }.joined(separator: ": ")
        let location = SourceLocation.anywhere(in: Substring(line))
        return Diagnostic(tool: "linker", kind: "link-error", message: message.isEmpty ? line : message, at: location)
    }

    /// rustc: `error[E0425]: message` then ` --> file:line:col`.
    private static func rustc(_ lines: [String], _ index: Int) -> (Diagnostic, Int)? {
        let line = lines[index]
        guard line.hasPrefix("error") || line.hasPrefix("warning"), index + 1 < lines.count,
              lines[index + 1].trimmingCharacters(in: .whitespaces).hasPrefix("--> ") else { return nil }
        let kind = line.hasPrefix("error") ? "error" : "warning"
        var code: String?
        if let open = line.firstIndex(of: "["), let close = line.firstIndex(of: "]"), open < close {
            code = String(line[line.index(after: open)..<close])
        }
        guard let colon = line.range(of: ": ") else { return nil }
        let arrow = lines[index + 1].trimmingCharacters(in: .whitespaces).dropFirst(4)
        return (Diagnostic(tool: "rustc", kind: kind, message: String(line[colon.upperBound...]),
                           at: SourceLocation.leading(arrow)?.0 ?? SourceLocation.anywhere(in: arrow), code: code), 2)
    }

    /// A Python traceback: frames `File "path", line N, in f`, then `Type: message`.
    private static func python(_ lines: [String], _ index: Int) -> (Diagnostic, Int)? {
        guard lines[index].hasPrefix("Traceback (most recent call last):") else { return nil }
        var frames: [SourceLocation] = []
        var next = index + 1
        while next < lines.count {
            let line = lines[next]
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("File \""), let file = trimmed.between("File \"", "\""),
               let number = trimmed.between(", line ", ",").flatMap({ Int($0) }) ?? Int(trimmed.components(separatedBy: ", line ").last ?? "") {
                frames.append(SourceLocation(file: String(file), line: number))
            } else if !line.hasPrefix(" "), !trimmed.isEmpty {
                // The exception line: "KeyError: 'k'" or a bare "KeyboardInterrupt".
                let parts = trimmed.split(separator: ":", maxSplits: 1)
                let type = String(parts[0])
                let message = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
                let frame = frames.last
                return (Diagnostic(tool: "python", kind: "exception", message: message.isEmpty ? type : "\(type): \(message)",
                                   at: frame, code: type, stack: frames.reversed()), next - index + 1)
            }
            next += 1
        }
        return nil
    }

    /// AddressSanitizer, LeakSanitizer, ThreadSanitizer: `==PID==ERROR: XSanitizer: kind ...`,
    /// then `#0 0x... in function file:line:col` frames.
    private static func sanitizer(_ lines: [String], _ index: Int) -> (Diagnostic, Int)? {
        let line = lines[index]
        guard line.hasPrefix("=="), let range = line.range(of: "Sanitizer: ") ?? line.range(of: "Sanitizer:") else { return nil }
        let headline = line[range.upperBound...].trimmingCharacters(in: .whitespaces)
        let kindWord = headline.split(separator: " ").first.map(String.init) ?? headline
        var frames: [SourceLocation] = []
        var next = index + 1
        while next < lines.count, !lines[next].hasPrefix("SUMMARY:"), !(lines[next].hasPrefix("==") && next > index + 1) {
            let trimmed = lines[next].trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("#"), let inRange = trimmed.range(of: " in ") {
                let rest = trimmed[inRange.upperBound...]
                if let space = rest.firstIndex(of: " "), let location = SourceLocation.leading(rest[rest.index(after: space)...])?.0 {
                    frames.append(location)
                }
            }
            next += 1
        }
        // The first frame in the program's own code: not the sanitizer's runtime, not libc.
        let own = frames.first { !$0.file.contains("compiler-rt") && !$0.file.hasPrefix("csu/") && !$0.file.contains("sysdeps") }
        let message = headline.components(separatedBy: " on address ").first ?? headline
        return (Diagnostic(tool: "sanitizer", kind: kindWord.contains("leak") || headline.contains("leak") ? "memory-leak" : "memory-error",
                           message: message, at: own, code: kindWord, stack: frames), next - index)
    }

    /// A Swift runtime trap (`file:line: Fatal error: message`) and the backtrace the runtime prints after it.
    private static func swiftCrash(_ lines: [String], _ index: Int) -> (Diagnostic, Int)? {
        let line = lines[index]
        guard let fatal = line.range(of: "Fatal error: ") ?? line.range(of: "Fatal error") else { return nil }
        let message = String(line[fatal.upperBound...]).trimmingCharacters(in: .whitespaces)
        let runtime = SourceLocation.leading(Substring(line))?.0
        var frames: [SourceLocation] = []
        var next = index + 1
        while next < lines.count, next < index + 400 {
            let frame = lines[next]
            if frame.hasPrefix("Registers:") || frame.hasPrefix("Images (") { break }
            if let at = frame.range(of: " at ", options: .backwards), let location = SourceLocation.leading(frame[at.upperBound...])?.0 {
                frames.append(location)
            }
            next += 1
        }
        // The innermost frame outside the standard library is where the program went wrong.
        let own = frames.first { !$0.file.hasPrefix("Swift/") && !$0.file.contains("/swift/stdlib/") } ?? runtime
        return (Diagnostic(tool: "swift-runtime", kind: "crash", message: message.isEmpty ? "Fatal error" : message,
                           at: own, stack: frames.isEmpty ? nil : frames), next - index)
    }
}

