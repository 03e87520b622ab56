import AgentHostCore

/// A JSON Schema in a line a person reads at a glance: `{query: string, limit?: integer}`.
enum SchemaSummary {
    static func text(_ schema: JSONValue?) -> String {
        guard let schema else { return "any JSON" }
        if case .array(let values)? = schema["enum"] {
            return "one of " + values.map(literal).joined(separator: ", ")
        }
        let types = schema.schemaTypes ?? []
        if types == ["array"] { return "[\(text(schema["items"]))]" }
        if case .object(let properties)? = schema["properties"], !properties.isEmpty {
            var required: [String] = []
            if case .array(let names)? = schema["required"] {
                required = names.compactMap { if case .string(let name) = $0 { name } else { nil } }
            }
            let fields = properties.keys.sorted { (required.contains($0) ? 0 : 1, $0) < (required.contains($1) ? 0 : 1, $1) }
                .map { "\($0)\(required.contains($0) ? "" : "?"): \(text(properties[$0]))" }
            return "{" + fields.joined(separator: ", ") + "}"
        }
        return types.isEmpty ? "any JSON" : types.joined(separator: " | ")
    }

    private static func literal(_ value: JSONValue) -> String {
        if case .string(let text) = value { return "\"\(text)\"" }
        return "\(value)"
    }
}
