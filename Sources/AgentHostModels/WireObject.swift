import AgentHostCore

/// A JSON object of a provider's answer, read field by field with its path
/// kept for the error: "no choices", "a wrong choices[0].delta.content".
/// What `Decodable` gave the formats, without Foundation's decoder (about
/// 20 µs a stream chunk): the answer is parsed once by AgentJSON, then read.
struct WireObject {
    let fields: [String: JSONValue]
    let path: String

    /// `value` as the object at `path`, or the problem naming it.
    init(_ value: JSONValue, path: String) throws(WireFieldProblem) {
        guard case .object(let fields) = value else { throw WireFieldProblem("a wrong \(path.isEmpty ? "the top level" : path)") }
        self.fields = fields
        self.path = path
    }

    func place(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    /// The field's value; nil when absent or null.
    func value(_ key: String) -> JSONValue? {
        guard let value = fields[key], value != .null else { return nil }
        return value
    }

    func string(_ key: String) throws(WireFieldProblem) -> String? {
        guard let value = value(key) else { return nil }
        guard case .string(let text) = value else { throw WireFieldProblem("a wrong \(place(key))") }
        return text
    }

    func requiredString(_ key: String) throws(WireFieldProblem) -> String {
        guard let text = try string(key) else { throw WireFieldProblem("no \(place(key))") }
        return text
    }

    func int(_ key: String) throws(WireFieldProblem) -> Int? {
        guard let value = value(key) else { return nil }
        guard case .number(let number) = value, let whole = Int(exactly: number) else { throw WireFieldProblem("a wrong \(place(key))") }
        return whole
    }

    func object<T: WireDecodable>(_ key: String, as type: T.Type) throws(WireFieldProblem) -> T? {
        guard let value = value(key) else { return nil }
        return try T(WireObject(value, path: place(key)))
    }

    func array<T: WireDecodable>(_ key: String, of type: T.Type) throws(WireFieldProblem) -> [T]? {
        guard let value = value(key) else { return nil }
        guard case .array(let items) = value else { throw WireFieldProblem("a wrong \(place(key))") }
        var list: [T] = []
        list.reserveCapacity(items.count)
        for (index, item) in items.enumerated() { list.append(try T(WireObject(item, path: place(key) + "[\(index)]"))) }
        return list
    }
}

/// A part of an answer read from its JSON object.
protocol WireDecodable {
    init(_ object: WireObject) throws(WireFieldProblem)
}

/// Which field of an answer is missing or of the wrong kind.
struct WireFieldProblem: Error {
    var description: String
    init(_ description: String) { self.description = description }
}
