import Foundation

extension AgentHost {
    /// Calls a typed tool for an agent in `state`: refused with
    /// `ToolCallError.masked` when the state masks it, and with the tool
    /// guardrails applied to its string arguments and result.
    public func callTool(_ tool: TypedTool, arguments: [ToolValue], state: AgentState) throws(ToolCallError) -> ToolValue {
        try callTool(tool, arguments: arguments, state: state, within: nil)
    }

    /// `within`: the agent call that asked for the tool through `call_tool`.
    func callTool(_ tool: TypedTool, arguments: [ToolValue], state: AgentState, within call: ActiveCall?) throws(ToolCallError) -> ToolValue {
        let span = HostSpan.start("execute_tool \(tool.name)", parent: call?.options.traceContext) { attributes in
            attributes["gen_ai.operation.name"] = "execute_tool"
            attributes["gen_ai.tool.name"] = tool.name
            attributes["gen_ai.tool.type"] = "function"
            attributes["agenthost.tool.plugin"] = tool.pluginID
        }
        do {
            let result = try checkedCall(tool, arguments: arguments, state: state, within: call)
            span.end()
            return result
        } catch {
            span.fail(error.kind, error.description)
            span.end()
            throw error
        }
    }

    private func checkedCall(_ tool: TypedTool, arguments: [ToolValue], state: AgentState, within call: ActiveCall?) throws(ToolCallError) -> ToolValue {
        try tool.checkUnmasked(in: state)
        let stage = policy.guardrails(for: tool.pluginID).tools
        /// A string as the tool guardrails let it through.
        func screened(_ text: String, _ place: GuardrailTrip.Place) throws(ToolCallError) -> String {
            switch stage.screen(Array(text.utf8), place: place, agent: tool.pluginID).result {
            case .success(let bytes): String(decoding: bytes, as: UTF8.self)
            case .failure(let trip): throw .guardrail(trip)
            }
        }
        var arguments = arguments
        for (index, argument) in arguments.enumerated() {
            if case .str(let text) = argument { arguments[index] = .str(try screened(text, .toolArguments)) }
        }
        let result = try tool.call(arguments, in: state, within: call)
        guard case .str(let text) = result else { return result }
        return .str(try screened(text, .toolResult))
    }
}

extension TypedTool {
    /// Arguments given as a JSON array, converted by the tool's signature.
    func arguments(fromJSON bytes: [UInt8]) throws(ToolCallError) -> [ToolValue] {
        guard let array = (try? JSONSerialization.jsonObject(with: Data(bytes.isEmpty ? Array("[]".utf8) : bytes))) as? [Any] else {
            throw .badArguments(tool: name, problem: "the arguments must be a JSON array, e.g. [2, 3]")
        }
        let parameters = signature.parameters
        guard array.count == parameters.count else { throw .argumentCount(tool: name, expected: parameters.count, got: array.count) }
        var values: [ToolValue] = []
        for (index, (item, type)) in zip(array, parameters).enumerated() {
            let value: ToolValue? = switch type {
            case .i32: (item as? NSNumber).flatMap { Int32(exactly: $0.doubleValue) }.map(ToolValue.i32)
            case .i64: (item as? NSNumber).flatMap { Int64(exactly: $0.doubleValue) }.map(ToolValue.i64)
            case .f64: (item as? NSNumber).map { ToolValue.f64($0.doubleValue) }
            case .bool: (item as? Bool).map(ToolValue.bool)
            case .str: (item as? String).map(ToolValue.str)
            }
            guard let value else { throw .argumentType(tool: name, index: index, expected: type, got: "\(item)") }
            values.append(value)
        }
        return values
    }
}

extension ToolValue {
    /// The value as JSON text: numbers and booleans bare, strings quoted, void as null.
    var json: String {
        switch self {
        case .void: "null"
        case .i32(let v): "\(v)"
        case .i64(let v): "\(v)"
        case .f64(let v): v.isFinite ? "\(v)" : "null"
        case .bool(let v): "\(v)"
        case .str(let v):
            (try? JSONSerialization.data(withJSONObject: v, options: [.fragmentsAllowed])).map { String(decoding: $0, as: UTF8.self) } ?? "null"
        }
    }
}
