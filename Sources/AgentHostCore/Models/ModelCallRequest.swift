/// What a plugin asked the model service for, read from its JSON (the
/// `complete` request of agenthost.h) before anything is checked.
struct ModelCallRequest: Sendable {
    var alias: String?
    var messages: [ModelMessage]
    /// Tool names the plugin wants offered; nil for all it may call ("auto").
    var toolNames: [String]?
    var responseSchema: JSONValue?
    var maxTokens: Int?
    var temperature: Double?
    var stream: Bool

    /// Reads `bytes`; the error says which field is wrong and how.
    init(parsing bytes: [UInt8]) throws(ModelRequestProblem) {
        let value: JSONValue
        do throws(JSONValueError) {
            value = try JSONValue(parsing: bytes)
        } catch {
            throw ModelRequestProblem("the request \(error.problem)")
        }
        guard case .object(let fields) = value else { throw ModelRequestProblem("the request must be a JSON object") }
        let known: Set = ["model", "messages", "tools", "response_schema", "max_tokens", "temperature", "stream"]
        if let unknown = fields.keys.sorted().first(where: { !known.contains($0) }) {
            throw ModelRequestProblem("the request has an unknown field '\(unknown)'; it takes \(known.sorted().joined(separator: ", "))")
        }
        switch fields["model"] {
        case nil, .null?: alias = nil
        case .string(let text)?: alias = text
        default: throw ModelRequestProblem("\"model\" must be a model alias (a string)")
        }
        guard case .array(let list)? = fields["messages"], !list.isEmpty else {
            throw ModelRequestProblem("\"messages\" must be a non-empty array of {\"role\", \"content\"}")
        }
        messages = []
        for (index, item) in list.enumerated() { messages.append(try Self.message(item, at: index)) }
        switch fields["tools"] {
        case nil, .null?, .string("auto")?: toolNames = nil
        case .array(let names)?:
            toolNames = []
            for name in names {
                guard case .string(let text) = name else { throw ModelRequestProblem("\"tools\" must be \"auto\" or an array of tool names") }
                toolNames!.append(text)
            }
        default: throw ModelRequestProblem("\"tools\" must be \"auto\" or an array of tool names")
        }
        switch fields["response_schema"] {
        case nil, .null?: responseSchema = nil
        case .object(let schema)?: responseSchema = .object(schema)
        default: throw ModelRequestProblem("\"response_schema\" must be a JSON Schema object")
        }
        maxTokens = try Self.whole(fields["max_tokens"], "max_tokens", in: 1...10_000_000)
        switch fields["temperature"] {
        case nil, .null?: temperature = nil
        case .number(let value)? where value >= 0 && value <= 2: temperature = value
        default: throw ModelRequestProblem("\"temperature\" must be a number from 0 to 2")
        }
        switch fields["stream"] {
        case nil, .null?: stream = false
        case .bool(let flag)?: stream = flag
        default: throw ModelRequestProblem("\"stream\" must be true or false")
        }
    }

    private static func whole(_ value: JSONValue?, _ name: String, in range: ClosedRange<Int>) throws(ModelRequestProblem) -> Int? {
        switch value {
        case nil, .null?: return nil
        case .number(let number)? where number.rounded() == number && number >= Double(range.lowerBound) && number <= Double(range.upperBound):
            return Int(number)
        default: throw ModelRequestProblem("\"\(name)\" must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
    }

    private static func message(_ value: JSONValue, at index: Int) throws(ModelRequestProblem) -> ModelMessage {
        let place = "messages[\(index)]"
        guard case .object(let fields) = value else { throw ModelRequestProblem("\(place) must be an object {\"role\", \"content\"}") }
        guard case .string(let roleName)? = fields["role"], let role = ModelMessage.Role(rawValue: roleName) else {
            throw ModelRequestProblem("\(place).role must be system, user, assistant or tool")
        }
        let content: String
        switch fields["content"] {
        case nil, .null?: content = ""
        case .string(let text)?: content = text
        case let other?: content = other.canonicalText
        }
        var calls: [ModelToolCall] = []
        if case .array(let list)? = fields["tool_calls"] {
            guard role == .assistant else { throw ModelRequestProblem("\(place): only an assistant message has tool_calls") }
            for (number, item) in list.enumerated() {
                guard case .object(let call) = item, case .string(let id)? = call["id"], case .string(let name)? = call["name"] else {
                    throw ModelRequestProblem("\(place).tool_calls[\(number)] must be {\"id\", \"name\", \"arguments\"}")
                }
                let arguments: String = switch call["arguments"] {
                case .string(let text)?: text
                case let other?: other.canonicalText
                case nil: "{}"
                }
                calls.append(ModelToolCall(id: id, name: name, arguments: arguments))
            }
        }
        var callID: String?
        if role == .tool {
            guard case .string(let id)? = fields["tool_call_id"] else { throw ModelRequestProblem("\(place): a tool message needs tool_call_id") }
            callID = id
        }
        return ModelMessage(role: role, content: content, toolCalls: calls, toolCallID: callID)
    }
}

/// Why a model request could not be read.
struct ModelRequestProblem: Error, Sendable {
    var problem: String
    init(_ problem: String) { self.problem = problem }
}
