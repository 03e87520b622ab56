import CAgentHost

/// A typed tool: a function the host calls through libffi with C scalars.
///
/// Scalar tools are `@convention(c)` closures (they must not capture), and the
/// signature string is derived from their type, so it cannot disagree with it.
/// String tools are ordinary Swift closures; the kit gives each a C entry point.
public struct Tool: @unchecked Sendable {
    // @unchecked: a C function pointer is immutable code, safe to share.
    public let name: String
    public let signature: String
    public let summary: String
    public let states: AgentStates
    let binding: Binding

    enum Binding {
        case function(ah_tool_fn)
        case string(StringToolSlots.Function)
    }

    private init(_ name: String, _ signature: String, _ states: AgentStates, _ summary: String, _ binding: Binding) {
        self.name = name
        self.signature = signature
        self.states = states
        self.summary = summary
        self.binding = binding
    }

    private static func c(_ function: Any) -> Binding { .function(unsafeBitCast(function, to: ah_tool_fn.self)) }

    /// `i64(i64,i64)`
    public init(_ name: String, states: AgentStates, summary: String, _ function: @convention(c) (Int64, Int64) -> Int64) {
        self.init(name, "i64(i64,i64)", states, summary, Self.c(function))
    }

    /// `i64(i64)`
    public init(_ name: String, states: AgentStates, summary: String, _ function: @convention(c) (Int64) -> Int64) {
        self.init(name, "i64(i64)", states, summary, Self.c(function))
    }

    /// `f64(f64)`
    public init(_ name: String, states: AgentStates, summary: String, _ function: @convention(c) (Double) -> Double) {
        self.init(name, "f64(f64)", states, summary, Self.c(function))
    }

    /// `f64(f64,f64)`
    public init(_ name: String, states: AgentStates, summary: String, _ function: @convention(c) (Double, Double) -> Double) {
        self.init(name, "f64(f64,f64)", states, summary, Self.c(function))
    }

    /// `f64(i64,i64)`
    public init(_ name: String, states: AgentStates, summary: String, _ function: @convention(c) (Int64, Int64) -> Double) {
        self.init(name, "f64(i64,i64)", states, summary, Self.c(function))
    }

    /// `bool(i64)`
    public init(_ name: String, states: AgentStates, summary: String, _ function: @convention(c) (Int64) -> Bool) {
        self.init(name, "bool(i64)", states, summary, Self.c(function))
    }

    /// `str(str)`
    public init(_ name: String, states: AgentStates, summary: String, _ function: @escaping @Sendable (String) -> String) {
        self.init(name, "str(str)", states, summary, .string(.toString(function)))
    }

    /// `bool(str)`
    public init(_ name: String, states: AgentStates, summary: String, _ function: @escaping @Sendable (String) -> Bool) {
        self.init(name, "bool(str)", states, summary, .string(.toBool(function)))
    }

    /// `i64(str)`
    public init(_ name: String, states: AgentStates, summary: String, _ function: @escaping @Sendable (String) -> Int64) {
        self.init(name, "i64(str)", states, summary, .string(.toInt(function)))
    }
}
