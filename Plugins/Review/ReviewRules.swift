import Foundation

/// What the reviewer looks for, and where the limits are. Each rule reads
/// only added lines: a diff is judged by what it brings in.
struct ReviewRules: Sendable {
    var maxLineLength = 120
    var maxFunctionLines = 60
    var largeFileBytes = 1 << 20

    /// Credentials by shape: provider key formats, private keys, and
    /// assignments of a literal to a secret-sounding name.
    static let secretPatterns: [(String, NSRegularExpression)] = [
        ("an AWS access key id", #"\b(AKIA|ASIA)[0-9A-Z]{16}\b"#),
        ("a private key", #"-----BEGIN ([A-Z ]+ )?PRIVATE KEY-----"#),
        ("a GitHub token", #"\bgh[pousr]_[A-Za-z0-9]{36,}\b"#),
        ("a Slack token", #"\bxox[abposr]-[A-Za-z0-9-]{10,}"#),
        ("an API key (sk-...)", #"\bsk-[A-Za-z0-9_-]{20,}\b"#),
        ("a Google API key", #"\bAIza[0-9A-Za-z_-]{35}\b"#),
        ("a password or secret assigned a literal",
         #"(?i)\b(password|passwd|secret|api[_-]?key|access[_-]?token|auth[_-]?token|client[_-]?secret)\b["']?\s*[:=]\s*["'][^"'\s]{6,}["']"#),
    ].map { ($0.0, try! NSRegularExpression(pattern: $0.1)) }

    /// Debug output left in, by language.
    static let debugPrintPatterns: [(String, NSRegularExpression)] = [
        ("print()/debugPrint()/dump()", #"^\s*(print|debugPrint|dump)\("#),
        ("NSLog()", #"^\s*NSLog\("#),
        ("console.log()", #"\bconsole\.(log|debug)\("#),
        ("dbg!()/println!() debugging", #"\bdbg!\("#),
        ("fmt.Println() debugging", #"^\s*fmt\.Print(ln|f)?\("#),
        ("a debugger breakpoint", #"^\s*(debugger;|breakpoint\(\)|import pdb|pdb\.set_trace\(\))"#),
        ("printf() debugging", #"^\s*(f?printf)\((stderr, )?"(DEBUG|debug|XXX|here)"#),
    ].map { ($0.0, try! NSRegularExpression(pattern: $0.1)) }

    static let todoPattern = try! NSRegularExpression(pattern: #"\b(TODO|FIXME|XXX|HACK)\b"#)

    static let sourceExtensions: Set<String> = ["swift", "c", "h", "cc", "cpp", "hpp", "m", "mm", "py", "rs", "go", "js", "ts", "java", "kt", "rb"]

    /// Whether `path` is a test file by the conventions of common languages.
    static func isTest(_ path: String) -> Bool {
        let lower = path.lowercased()
        let name = (lower as NSString).lastPathComponent
        return lower.contains("/tests/") || lower.hasPrefix("tests/") || lower.contains("/test/") || lower.hasPrefix("test/")
            || name.hasPrefix("test_") || name.contains("_test.") || name.contains("tests.") || name.contains(".test.")
            || name.contains(".spec.") || lower.contains("/spec/")
    }

    static func isSource(_ path: String) -> Bool {
        sourceExtensions.contains((path as NSString).pathExtension.lowercased())
    }

    /// Languages whose print statements are their normal output in a command-line main file.
    static func printsAreOutput(_ path: String) -> Bool {
        let name = (path as NSString).lastPathComponent
        return name == "main.swift" || name == "main.py" || name == "__main__.py" || name == "main.go" || name == "main.rs"
    }
}

extension NSRegularExpression {
    func matches(_ text: String) -> Bool {
        firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}
