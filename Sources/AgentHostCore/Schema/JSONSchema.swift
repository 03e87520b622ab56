import Foundation

/// The subset of JSON Schema that manifests use for a capability's input and
/// output types, checked by the host before a task runs (inputs) and, with the
/// policy's `validate_output`, after (outputs).
///
/// Enforced: `type` (a name or a list of names: object, array, string,
/// number, integer, boolean, null), `properties`, `required`,
/// `additionalProperties: false`, `items`, `enum`, `minimum`, `maximum`,
/// `minLength`, `maxLength`, `minItems`, `maxItems`. Every other keyword
/// (`default`, `description`, `pattern`, `oneOf`, ...) is read as
/// documentation and not checked.
public struct JSONSchema: Sendable, Hashable {
    public static let enforcedKeywords = ["type", "properties", "required", "additionalProperties", "items", "enum",
                                          "minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems"]

    public let rules: JSONValue

    public init(_ rules: JSONValue) { self.rules = rules }

    /// A value the check cannot see yet: a workflow reference filled in when
    /// the step starts.
    public enum Unknown: Sendable {
        /// The whole value is filled in later: any type passes.
        case value
        /// A string whose text is filled in later: its type is known, not its content.
        case text
    }

    /// One way a value breaks the schema, at a JSON path such as `input.op`.
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        public let path: String
        public let message: String
        public var description: String { "\(path) \(message)" }
    }

    /// Every problem of `value`, in path order; empty when it conforms.
    /// `unknown` says which strings stand for values not known yet.
    public func problems(in value: JSONValue, root: String = "$", unknown: (String) -> Unknown? = { _ in nil }) -> [Problem] {
        var found: [Problem] = []
        Self.check(value, against: rules, path: root, unknown: unknown, into: &found)
        return found
    }

    /// The first problem of JSON `bytes`, in words; nil when they conform.
    public func problem(inJSON bytes: [UInt8]) -> String? {
        let value: JSONValue
        do throws(JSONValueError) {
            value = try JSONValue(parsing: bytes)
        } catch {
            return "the value is not JSON"
        }
        return problems(in: value).first?.description
    }

    private static func check(_ value: JSONValue, against schema: JSONValue, path: String, unknown: (String) -> Unknown?,
                              into found: inout [Problem]) {
        guard case .object(let rules) = schema else { return }
        var contentKnown = true
        if case .string(let text) = value, let kind = unknown(text) {
            if kind == .value { return }
            contentKnown = false
        }
        if let types = schema.schemaTypes, !types.isEmpty, !types.contains(where: { value.conforms(toType: $0) }) {
            found.append(Problem(path: path, message: "is \(value.typeDescription), expected \(types.map(article).joined(separator: " or "))"))
            return
        }
        if contentKnown, case .array(let options)? = rules["enum"], !options.contains(value) {
            let shown = options.prefix(12).map(\.canonicalText).joined(separator: ", ") + (options.count > 12 ? ", ..." : "")
            found.append(Problem(path: path, message: "is \(value.shortText), which is not allowed; allowed: \(shown)"))
        }
        switch value {
        case .number(let number):
            if case .number(let minimum)? = rules["minimum"], number < minimum {
                found.append(Problem(path: path, message: "is \(value.canonicalText), below the minimum \(JSONValue.number(minimum).canonicalText)"))
            }
            if case .number(let maximum)? = rules["maximum"], number > maximum {
                found.append(Problem(path: path, message: "is \(value.canonicalText), above the maximum \(JSONValue.number(maximum).canonicalText)"))
            }
        case .string(let text) where contentKnown:
            let length = text.count
            if case .number(let minimum)? = rules["minLength"], Double(length) < minimum {
                found.append(Problem(path: path, message: "has \(length) characters, fewer than the minimum \(Int(minimum))"))
            }
            if case .number(let maximum)? = rules["maxLength"], Double(length) > maximum {
                found.append(Problem(path: path, message: "has \(length) characters, more than the maximum \(Int(maximum))"))
            }
        case .object(let fields):
            if case .array(let required)? = rules["required"] {
                for case .string(let key) in required where fields[key] == nil {
                    found.append(Problem(path: path, message: "lacks the required field '\(key)'"))
                }
            }
            let properties: [String: JSONValue] = if case .object(let properties)? = rules["properties"] { properties } else { [:] }
            for key in fields.keys.sorted() {
                if let rule = properties[key] {
                    check(fields[key]!, against: rule, path: "\(path).\(key)", unknown: unknown, into: &found)
                } else if case .bool(false)? = rules["additionalProperties"] {
                    found.append(Problem(path: path, message: "has the field '\(key)', which the type does not declare"
                        + (properties.isEmpty ? "" : " (it declares \(properties.keys.sorted().joined(separator: ", ")))")))
                }
            }
        case .array(let items):
            if case .number(let minimum)? = rules["minItems"], Double(items.count) < minimum {
                found.append(Problem(path: path, message: "has \(items.count) items, fewer than the minimum \(Int(minimum))"))
            }
            if case .number(let maximum)? = rules["maxItems"], Double(items.count) > maximum {
                found.append(Problem(path: path, message: "has \(items.count) items, more than the maximum \(Int(maximum))"))
            }
            if let rule = rules["items"] {
                for (index, item) in items.enumerated() {
                    check(item, against: rule, path: "\(path)[\(index)]", unknown: unknown, into: &found)
                }
            }
        default:
            break
        }
    }

    private static func article(_ type: String) -> String {
        switch type {
        case "object", "array", "integer": "an \(type)"
        case "null": "null"
        default: "a \(type)"
        }
    }
}

extension JSONValue {
    /// The type names of a schema's `type`: one, or a list; nil when not given.
    public var schemaTypes: [String]? {
        switch self["type"] {
        case .string(let name)?: [name]
        case .array(let names)?: names.compactMap { if case .string(let name) = $0 { name } else { nil } }
        default: nil
        }
    }

    func conforms(toType type: String) -> Bool {
        switch (type, self) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("null", .null), ("number", .number): true
        case ("integer", .number(let number)): number.rounded() == number && number.isFinite
        case ("object", _), ("array", _), ("string", _), ("boolean", _), ("null", _), ("number", _), ("integer", _): false
        default: true  // a type name the subset does not know constrains nothing
        }
    }

    var typeDescription: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        }
    }

    /// The value as JSON, cut to a readable length.
    var shortText: String {
        let text = canonicalText
        return text.count > 80 ? String(text.prefix(77)) + "..." : text
    }

    /// Whether a JSON number arrived as a boolean: JSONSerialization's
    /// booleans are NSNumbers whose C type is char ("c") or bool ("B").
    static func isBool(_ number: NSNumber) -> Bool {
        let type = String(cString: number.objCType)
        return type == "c" || type == "B"
    }
}
