import Foundation

/// A step's input with its references compiled once, so that starting the
/// step is a concatenation of bytes, not a JSON round trip.
///
/// References, written `{{...}}` inside JSON strings:
/// - `steps.ID.result`: step ID's answer; alone in a string it is inserted as
///   JSON when the answer is JSON, else as a string.
/// - `steps.ID.result.KEY.KEY`: a field of a JSON answer.
/// - `inputs.NAME`: a workflow input, filled in when the template is compiled.
/// - `message`: the message a conversation turn answers.
/// A reference inside longer text is inserted as text.
struct PayloadTemplate: Sendable, Hashable {
    enum Reference: Sendable, Hashable, CustomStringConvertible {
        case step(id: String, path: [String])
        case message

        var description: String {
            switch self {
            case .step(let id, let path): (["steps", id, "result"] + path).joined(separator: ".")
            case .message: "message"
            }
        }
    }

    enum Piece: Sendable, Hashable {
        case bytes([UInt8])
        /// The reference's value as a JSON value of its own.
        case value(Reference)
        /// The reference's text, escaped, inside a string literal.
        case text(Reference)
    }

    let pieces: [Piece]

    /// How the input check sees a string of a step's input: a string that is
    /// one reference is any value (a JSON answer goes in as JSON), a string
    /// with a reference inside is a string whose text is not known yet.
    static func unknown(_ text: String) -> JSONSchema.Unknown? {
        guard let open = text.range(of: "{{"), let close = text.range(of: "}}", range: open.upperBound..<text.endIndex) else { return nil }
        return open.lowerBound == text.startIndex && close.upperBound == text.endIndex ? .value : .text
    }

    /// Steps whose results this template uses.
    var stepReferences: [String] {
        pieces.compactMap {
            switch $0 {
            case .value(.step(let id, _)), .text(.step(let id, _)): id
            default: nil
            }
        }
    }

    /// Compiles `value`, filling `{{inputs.NAME}}` from `inputs`.
    static func compile(_ value: JSONValue, inputs: [String: String]) throws(TemplateError) -> PayloadTemplate {
        var builder = Builder(inputs: inputs)
        try builder.write(value)
        builder.flush()
        return PayloadTemplate(pieces: builder.pieces)
    }

    /// The payload, with each reference's value from `resolve` (the answer's
    /// bytes). Fails when an answer lacks a field a reference names.
    func render(_ resolve: (Reference) -> [UInt8]?) -> Result<[UInt8], TemplateError> {
        if pieces.count == 1, case .bytes(let bytes) = pieces[0] { return .success(bytes) }
        var out: [UInt8] = []
        for piece in pieces {
            switch piece {
            case .bytes(let bytes):
                out += bytes
            case .value(let reference), .text(let reference):
                guard let answer = resolve(reference) else {
                    return .failure(TemplateError(problem: "'{{\(reference)}}' has no value yet"))
                }
                let isText: Bool
                if case .text = piece { isText = true } else { isText = false }
                switch Self.value(of: reference, in: answer) {
                case .failure(let error):
                    return .failure(error)
                case .success(.raw(let bytes)):
                    if isText { JSONBytes.appendEscaped(bytes, to: &out) } else if JSONBytes.isValid(bytes) { out += bytes } else { JSONBytes.appendQuoted(bytes, to: &out) }
                case .success(.string(let text)):
                    if isText { out += text } else { JSONBytes.appendQuoted(text, to: &out) }
                case .success(.json(let json)):
                    if isText { JSONBytes.appendEscaped(json.text.utf8, to: &out) } else { out += json.canonicalBytes }
                }
            }
        }
        return .success(out)
    }

    /// A referenced value: JSON bytes as they are, a string's text (without
    /// escapes), or a parsed value.
    private enum Resolved { case raw([UInt8]), string([UInt8]), json(JSONValue) }

    private static func value(of reference: Reference, in answer: [UInt8]) -> Result<Resolved, TemplateError> {
        if case .message = reference { return .success(.json(.string(String(decoding: answer, as: UTF8.self)))) }
        guard case .step(let id, let path) = reference, !path.isEmpty else {
            // A whole JSON string answer is inserted as its text inside a string.
            return .success(.raw(answer))
        }
        // Found by scanning the bytes: a field of a small answer costs far less than parsing it.
        if let range = JSONBytes.range(at: path, in: answer) {
            let field = answer[range]
            if field.first == UInt8(ascii: "\""), !field.contains(UInt8(ascii: "\\")) {
                return .success(.string(Array(field.dropFirst().dropLast())))
            }
            return .success(.raw(Array(field)))
        }
        guard let json = try? JSONValue(parsing: answer) else {
            return .failure(TemplateError(problem: "'{{\(reference)}}' names a field, but step '\(id)' answered text, not JSON"))
        }
        guard let field = json.value(at: path) else {
            return .failure(TemplateError(problem: "step '\(id)' answered JSON without the field '\(path.joined(separator: "."))' that '{{\(reference)}}' names"))
        }
        return .success(.json(field))
    }

    private struct Builder {
        let inputs: [String: String]
        var pieces: [Piece] = []
        var literal: [UInt8] = []

        mutating func flush() {
            if !literal.isEmpty || pieces.isEmpty { pieces.append(.bytes(literal)) }
            literal = []
        }

        mutating func write(_ value: JSONValue) throws(TemplateError) {
            switch value {
            case .string(let text):
                try write(string: text)
            case .array(let values):
                literal.append(UInt8(ascii: "["))
                for (index, value) in values.enumerated() {
                    if index > 0 { literal.append(UInt8(ascii: ",")) }
                    try write(value)
                }
                literal.append(UInt8(ascii: "]"))
            case .object(let fields):
                literal.append(UInt8(ascii: "{"))
                for (index, key) in fields.keys.sorted().enumerated() {
                    if index > 0 { literal.append(UInt8(ascii: ",")) }
                    JSONBytes.appendQuoted(key.utf8, to: &literal)
                    literal.append(UInt8(ascii: ":"))
                    try write(fields[key]!)
                }
                literal.append(UInt8(ascii: "}"))
            default:
                value.write(to: &literal)
            }
        }

        mutating func write(string text: String) throws(TemplateError) {
            let parts = try Self.split(text, inputs: inputs)
            if parts.count == 1, case .reference(let reference) = parts[0] {
                if !literal.isEmpty { pieces.append(.bytes(literal)); literal = [] }
                pieces.append(.value(reference))
                return
            }
            literal.append(UInt8(ascii: "\""))
            for part in parts {
                switch part {
                case .text(let text):
                    JSONBytes.appendEscaped(text.utf8, to: &literal)
                case .reference(let reference):
                    if !literal.isEmpty { pieces.append(.bytes(literal)); literal = [] }
                    pieces.append(.text(reference))
                }
            }
            literal.append(UInt8(ascii: "\""))
        }

        enum Part { case text(String), reference(Reference) }

        static func split(_ text: String, inputs: [String: String]) throws(TemplateError) -> [Part] {
            var parts: [Part] = []
            var rest = Substring(text)
            var pending = ""
            while let open = rest.range(of: "{{") {
                guard let close = rest[open.upperBound...].range(of: "}}") else {
                    throw TemplateError(problem: "'{{' without '}}' in \"\(text)\"")
                }
                pending += rest[..<open.lowerBound]
                let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
                let words = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
                switch words.first {
                case "inputs" where words.count == 2:
                    guard let value = inputs[words[1]] else {
                        let known = inputs.keys.sorted()
                        throw TemplateError(problem: "'{{\(name)}}' names an input the workflow does not declare"
                            + (known.isEmpty ? "; declare it under 'inputs'" : "; declared: \(known.joined(separator: ", "))"))
                    }
                    pending += value
                case "steps" where words.count >= 3 && words[2] == "result" && !words[1].isEmpty:
                    if !pending.isEmpty { parts.append(.text(pending)); pending = "" }
                    parts.append(.reference(.step(id: words[1], path: Array(words.dropFirst(3)))))
                case "message" where words.count == 1:
                    if !pending.isEmpty { parts.append(.text(pending)); pending = "" }
                    parts.append(.reference(.message))
                default:
                    throw TemplateError(problem: "'{{\(name)}}' is not a reference; write {{steps.ID.result}}, {{steps.ID.result.FIELD}}, {{inputs.NAME}} or {{message}}")
                }
                rest = rest[close.upperBound...]
            }
            pending += rest
            if !pending.isEmpty || parts.isEmpty { parts.append(.text(pending)) }
            return parts
        }
    }
}

/// A reference in a step's input that cannot be compiled or filled in.
struct TemplateError: Error, Sendable {
    let problem: String
}
