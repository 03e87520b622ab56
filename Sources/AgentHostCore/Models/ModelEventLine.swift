/// Writes the events of the model service: one compact JSON object and a
/// newline each, built with the host's byte writer (no Foundation per event).
enum ModelEventLine {
    static func text(_ text: String) -> [UInt8] { line(["type": .string("text"), "text": .string(text)]) }

    static func toolCall(id: String, name: String, kind: ModelTool.Kind, arguments: JSONValue) -> [UInt8] {
        line(["type": .string("tool_call"), "id": .string(id), "name": .string(name), "kind": .string(kind.rawValue), "arguments": arguments])
    }

    static func refused(id: String, name: String, reason: String) -> [UInt8] {
        line(["type": .string("tool_refused"), "id": .string(id), "name": .string(name), "reason": .string(reason)])
    }

    static func redacted(_ text: String) -> [UInt8] { line(["type": .string("redacted"), "text": .string(text)]) }

    static func usage(_ usage: ModelUsage, cost: Double) -> [UInt8] {
        line(["type": .string("usage"), "input_tokens": .number(Double(usage.inputTokens)),
              "output_tokens": .number(Double(usage.outputTokens)), "cost": .number(cost)])
    }

    static func end(_ reason: String, model: String?, replayed: Bool) -> [UInt8] {
        var fields: [String: JSONValue] = ["type": .string("end"), "reason": .string(reason), "model": model.map { .string($0) } ?? .null]
        if replayed { fields["replayed"] = .bool(true) }
        return line(fields)
    }

    static func error(_ message: String, budget: String? = nil, guardrail: String? = nil) -> [UInt8] {
        var fields: [String: JSONValue] = ["type": .string("error"), "message": .string(message)]
        if let budget { fields["budget"] = .string(budget) }
        if let guardrail { fields["guardrail"] = .string(guardrail) }
        return line(fields)
    }

    private static func line(_ fields: [String: JSONValue]) -> [UInt8] {
        var out = JSONValue.object(fields).canonicalBytes
        out.append(UInt8(ascii: "\n"))
        return out
    }
}
