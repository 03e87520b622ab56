extension PluginManifest.Capability {
    /// What is wrong with `input` as this capability's input, by its declared
    /// type; empty when it conforms or no type is declared.
    public func inputProblems(_ input: JSONValue, unknown: (String) -> JSONSchema.Unknown? = { _ in nil }) -> [JSONSchema.Problem] {
        guard let schema = self.input else { return [] }
        return JSONSchema(schema).problems(in: input, root: "input", unknown: unknown)
    }

    /// `input` with `text` in the text input field, as a free-text task gets it
    /// (a field the input already sets is kept). Unchanged when the capability
    /// takes no words or `input` is not an object.
    public func input(_ input: JSONValue, withWords text: String) -> JSONValue {
        guard let field = textInput, case .object(var fields) = input, fields[field] == nil else { return input }
        fields[field] = .string(text)
        return .object(fields)
    }
}
