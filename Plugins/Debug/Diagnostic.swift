import AgentSupport

/// One problem found in a compiler's or a program's output.
struct Diagnostic: Encodable, Sendable {
    /// "swiftc", "clang", "gcc", "rustc", "python", "swift-runtime", "sanitizer", "linker".
    var tool: String
    /// "error", "warning", "crash", "exception", "memory-error", "undefined-behavior", "link-error".
    var kind: String
    var message: String
    var file: String?
    var line: Int?
    var column: Int?
    /// A compiler's code (E0425) or an exception's type (ZeroDivisionError).
    var code: String?
    var likelyCause: String
    /// Frames from innermost outward, where the output has a stack.
    var stack: [SourceLocation]?

    enum CodingKeys: String, CodingKey {
        case tool, kind, message, file, line, column, code, stack
        case likelyCause = "likely_cause"
    }

    init(tool: String, kind: String, message: String, at location: SourceLocation?, code: String? = nil, stack: [SourceLocation]? = nil) {
        self.tool = tool
        self.kind = kind
        self.message = message
        file = location?.file
        line = location?.line
        column = location?.column
        self.code = code
        self.stack = stack
        likelyCause = LikelyCause.explain(message: message, code: code)
    }
}
