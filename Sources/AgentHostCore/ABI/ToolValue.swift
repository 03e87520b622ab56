/// An argument to, or the result of, a typed tool.
public enum ToolValue: Sendable, Hashable, CustomStringConvertible {
    case void
    case i32(Int32)
    case i64(Int64)
    case f64(Double)
    case bool(Bool)
    case str(String)

    /// The signature type this value has; `nil` for `void`.
    public var type: ToolSignature.ValueType? {
        switch self {
        case .void: nil
        case .i32: .i32
        case .i64: .i64
        case .f64: .f64
        case .bool: .bool
        case .str: .str
        }
    }

    public var description: String {
        switch self {
        case .void: "void"
        case .i32(let v): "\(v)"
        case .i64(let v): "\(v)"
        case .f64(let v): "\(v)"
        case .bool(let v): "\(v)"
        case .str(let v): v
        }
    }

    /// Parses command-line text as a value of `type`.
    public init?(parsing text: String, as type: ToolSignature.ValueType) {
        switch type {
        case .i32: guard let v = Int32(text) else { return nil }; self = .i32(v)
        case .i64: guard let v = Int64(text) else { return nil }; self = .i64(v)
        case .f64: guard let v = Double(text) else { return nil }; self = .f64(v)
        case .bool: guard let v = Bool(text.lowercased()) else { return nil }; self = .bool(v)
        case .str: self = .str(text)
        }
    }
}

/// Why a typed tool call did not happen or did not give a result.
public enum ToolCallError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownTool(plugin: String, tool: String, known: [String])
    case masked(tool: String, state: AgentState, allowed: AgentStateSet)
    case argumentCount(tool: String, expected: Int, got: Int)
    case argumentType(tool: String, index: Int, expected: ToolSignature.ValueType, got: String)
    case embeddedNUL(tool: String, index: Int)
    case nullResult(tool: String)
    /// A tool guardrail stopped the call.
    case guardrail(GuardrailTrip)
    /// The arguments are not a JSON array of values of the right types.
    case badArguments(tool: String, problem: String)
    /// The plugin's process failed while running the tool.
    case pluginFault(PluginFault)

    /// The case's name, as a span's `error.type`.
    public var kind: String {
        switch self {
        case .unknownTool: "unknown_tool"
        case .masked: "masked"
        case .argumentCount, .argumentType, .embeddedNUL, .badArguments: "bad_arguments"
        case .nullResult: "null_result"
        case .guardrail: "guardrail"
        case .pluginFault: "plugin_fault"
        }
    }

    public var description: String {
        switch self {
        case .unknownTool(let plugin, let tool, let known):
            "plugin '\(plugin)' has no tool '\(tool)'; it has: \(known.isEmpty ? "none" : known.joined(separator: ", "))"
        case .masked(let tool, let state, let allowed):
            "tool masked: '\(tool)' may not be called in state \(state.name); it is allowed in \(allowed)"
        case .argumentCount(let tool, let expected, let got):
            "tool '\(tool)' takes \(expected) argument(s), got \(got)"
        case .argumentType(let tool, let index, let expected, let got):
            "tool '\(tool)' argument \(index + 1) must be \(expected.rawValue), got \(got)"
        case .embeddedNUL(let tool, let index):
            "tool '\(tool)' argument \(index + 1) contains a NUL byte, which a C string cannot carry"
        case .nullResult(let tool):
            "tool '\(tool)' returned NULL (the tool failed)"
        case .guardrail(let trip):
            trip.description
        case .badArguments(let tool, let problem):
            "tool '\(tool)': \(problem)"
        case .pluginFault(let fault):
            fault.description
        }
    }
}
