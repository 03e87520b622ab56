/// The C type of a typed tool, parsed from its signature string, e.g.
/// `i64(i64,i64)`. The grammar is the one written in `agenthost.h`.
public struct ToolSignature: Sendable, Hashable, CustomStringConvertible {
    public enum ValueType: String, Sendable, Hashable, CaseIterable {
        case i32, i64, f64, bool, str
    }

    /// `nil` for a `void` result.
    public let result: ValueType?
    public let parameters: [ValueType]

    /// The most parameters a tool may take; keeps argument storage on the stack.
    public static let maximumParameters = 8

    public var description: String {
        "\(result?.rawValue ?? "void")(\(parameters.map(\.rawValue).joined(separator: ",")))"
    }

    public init(result: ValueType?, parameters: [ValueType]) {
        self.result = result
        self.parameters = parameters
    }

    /// Parses `text`, or throws an error that says what is wrong with it.
    public init(parsing text: String) throws(ToolSignatureError) {
        guard let open = text.firstIndex(of: "("), text.last == ")" else {
            throw ToolSignatureError(signature: text, problem: "expected RESULT(PARAM,...), e.g. i64(i64,i64)")
        }
        let resultText = String(text[..<open])
        let inner = text[text.index(after: open)..<text.index(before: text.endIndex)]
        let result: ValueType?
        if resultText == "void" {
            result = nil
        } else if let type = ValueType(rawValue: resultText) {
            result = type
        } else {
            throw ToolSignatureError(signature: text, problem: Self.unknownType(resultText, allowVoid: true))
        }
        var parameters: [ValueType] = []
        if !inner.isEmpty {
            for part in inner.split(separator: ",", omittingEmptySubsequences: false) {
                guard let type = ValueType(rawValue: String(part)) else {
                    throw ToolSignatureError(signature: text, problem: Self.unknownType(String(part), allowVoid: false))
                }
                parameters.append(type)
            }
        }
        guard parameters.count <= Self.maximumParameters else {
            throw ToolSignatureError(signature: text,
                                     problem: "\(parameters.count) parameters; at most \(Self.maximumParameters) are supported")
        }
        self.init(result: result, parameters: parameters)
    }

    private static func unknownType(_ name: String, allowVoid: Bool) -> String {
        let known = ValueType.allCases.map(\.rawValue) + (allowVoid ? ["void"] : [])
        let shown = name.isEmpty ? "an empty type" : "unknown type '\(name)'"
        return "\(shown); use one of \(known.joined(separator: ", ")) (no spaces)"
    }
}

/// A signature string that does not follow the grammar in `agenthost.h`.
public struct ToolSignatureError: Error, Sendable, Equatable, CustomStringConvertible {
    public let signature: String
    public let problem: String
    public var description: String { "signature '\(signature)': \(problem)" }
}
