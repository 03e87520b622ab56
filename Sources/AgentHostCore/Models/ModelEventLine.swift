/// Writes the events of the model service: one compact JSON object and a
/// newline each, straight into bytes (no dictionary, no key sort, no
/// Foundation per event), in the order agenthost.h lists their fields.
enum ModelEventLine {
    static func text(_ text: String) -> [UInt8] {
        line(type: "text", capacity: text.utf8.count + 32) { json in
            json.key("text")
            json.string(text)
        }
    }

    static func toolCall(id: String, name: String, kind: ModelTool.Kind, arguments: JSONValue) -> [UInt8] {
        line(type: "tool_call") { json in
            json.key("id")
            json.string(id)
            json.key("name")
            json.string(name)
            json.key("kind")
            json.string(kind.rawValue)
            json.key("arguments")
            json.value(arguments)
        }
    }

    static func refused(id: String, name: String, reason: String) -> [UInt8] {
        line(type: "tool_refused") { json in
            json.key("id")
            json.string(id)
            json.key("name")
            json.string(name)
            json.key("reason")
            json.string(reason)
        }
    }

    static func redacted(_ text: String) -> [UInt8] {
        line(type: "redacted", capacity: text.utf8.count + 32) { json in
            json.key("text")
            json.string(text)
        }
    }

    static func usage(_ usage: ModelUsage, cost: Double) -> [UInt8] {
        line(type: "usage") { json in
            json.key("input_tokens")
            json.int(usage.inputTokens)
            json.key("output_tokens")
            json.int(usage.outputTokens)
            json.key("cost")
            json.double(cost)
        }
    }

    static func end(_ reason: String, model: String?, replayed: Bool) -> [UInt8] {
        line(type: "end") { json in
            json.key("reason")
            json.string(reason)
            json.key("model")
            if let model { json.string(model) } else { json.null() }
            if replayed {
                json.key("replayed")
                json.bool(true)
            }
        }
    }

    static func error(_ message: String, budget: String? = nil, guardrail: String? = nil) -> [UInt8] {
        line(type: "error") { json in
            json.key("message")
            json.string(message)
            if let budget {
                json.key("budget")
                json.string(budget)
            }
            if let guardrail {
                json.key("guardrail")
                json.string(guardrail)
            }
        }
    }

    private static func line(type: StaticString, capacity: Int = 128, _ fields: (inout JSONWriter) -> Void) -> [UInt8] {
        var json = JSONWriter(capacity: capacity)
        json.beginObject()
        json.key("type")
        json.string(type)
        fields(&json)
        json.endObject()
        json.endLine()
        return json.bytes
    }
}
