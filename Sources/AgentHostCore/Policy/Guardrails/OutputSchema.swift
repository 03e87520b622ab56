import Foundation

/// Checks a JSON value against the subset of JSON Schema manifests use for
/// input and output types: `type` (one or a list), `properties`, `required`,
/// `additionalProperties: false`, `items`, `enum`, `minimum`, `maximum`,
/// `minItems`, `maxItems`. Returns the first problem with its JSON path.
enum OutputSchema {
    static func problem(in body: [UInt8], against schema: JSONValue) -> String? {
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])
        } catch {
            return "the output is not JSON"
        }
        return problem(in: value, against: schema, path: "$")
    }

    private static func problem(in value: Any, against schema: JSONValue, path: String) -> String? {
        guard case .object(let rules) = schema else { return nil }
        if let type = rules["type"] {
            let allowed: [String] = switch type {
            case .string(let name): [name]
            case .array(let names): names.compactMap { if case .string(let name) = $0 { name } else { nil } }
            default: []
            }
            if !allowed.isEmpty, !allowed.contains(where: { matches(value, type: $0) }) {
                return "\(path) is \(typeName(of: value)), expected \(allowed.joined(separator: " or "))"
            }
        }
        if case .array(let options)? = rules["enum"], !options.contains(where: { equal(value, $0) }) {
            return "\(path) is not one of the allowed values"
        }
        if let number = value as? NSNumber, !isBool(value) {
            if case .number(let minimum)? = rules["minimum"], number.doubleValue < minimum { return "\(path) is below the minimum \(minimum)" }
            if case .number(let maximum)? = rules["maximum"], number.doubleValue > maximum { return "\(path) is above the maximum \(maximum)" }
        }
        if let object = value as? [String: Any] {
            if case .array(let required)? = rules["required"] {
                for case .string(let key) in required where object[key] == nil { return "\(path) lacks the required field '\(key)'" }
            }
            let properties: [String: JSONValue] = if case .object(let properties)? = rules["properties"] { properties } else { [:] }
            for (key, child) in object.sorted(by: { $0.key < $1.key }) {
                if let rule = properties[key] {
                    if let problem = problem(in: child, against: rule, path: "\(path).\(key)") { return problem }
                } else if case .bool(false)? = rules["additionalProperties"] {
                    return "\(path) has the field '\(key)', which the output type does not declare"
                }
            }
        }
        if let array = value as? [Any] {
            if case .number(let minimum)? = rules["minItems"], Double(array.count) < minimum { return "\(path) has fewer than \(Int(minimum)) items" }
            if case .number(let maximum)? = rules["maxItems"], Double(array.count) > maximum { return "\(path) has more than \(Int(maximum)) items" }
            if let items = rules["items"] {
                for (index, child) in array.enumerated() {
                    if let problem = problem(in: child, against: items, path: "\(path)[\(index)]") { return problem }
                }
            }
        }
        return nil
    }

    /// JSON booleans arrive as NSNumbers whose C type is char ("c") or bool ("B").
    static func isBool(_ value: Any) -> Bool {
        guard let number = value as? NSNumber else { return false }
        let type = String(cString: number.objCType)
        return type == "c" || type == "B"
    }

    private static func matches(_ value: Any, type: String) -> Bool {
        switch type {
        case "object": value is [String: Any]
        case "array": value is [Any]
        case "string": value is String
        case "boolean": isBool(value)
        case "null": value is NSNull
        case "number": value is NSNumber && !isBool(value)
        case "integer":
            if let number = value as? NSNumber, !isBool(value) { number.doubleValue.rounded() == number.doubleValue } else { false }
        default: true
        }
    }

    private static func typeName(of value: Any) -> String {
        switch value {
        case is [String: Any]: "an object"
        case is [Any]: "an array"
        case is String: "a string"
        case is NSNull: "null"
        default: isBool(value) ? "a boolean" : "a number"
        }
    }

    private static func equal(_ value: Any, _ expected: JSONValue) -> Bool {
        switch expected {
        case .string(let text): (value as? String) == text
        case .number(let number): !isBool(value) && (value as? NSNumber)?.doubleValue == number
        case .bool(let flag): isBool(value) && (value as? Bool) == flag
        case .null: value is NSNull
        default: false
        }
    }
}
