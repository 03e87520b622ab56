/// A plugin written in Swift: conform a type to this protocol, then export it
/// with one line at file scope:
///
/// ```swift
/// @_cdecl("agenthost_swift_plugin")
/// public func agenthostSwiftPlugin() -> UnsafeRawPointer { AgentPluginExport.functions(for: MyAgent.self) }
/// ```
///
/// The kit turns the C ABI's pointers into Swift values: requests arrive as
/// ``AgentRequest``, replies leave as ``AgentReply``, thrown ``AgentError``s
/// become status codes with messages, and nothing unwinds into the host.
public protocol AgentPlugin: Sendable {
    /// What the binary says it is; must agree with `plugin.json`.
    static var descriptor: AgentDescriptor { get }

    /// Typed tools the host may call through libffi.
    static var tools: [Tool] { get }

    /// Called once when the host loads the plugin. Throw to refuse loading;
    /// the error's description reaches the user.
    init(host: PluginHost) throws

    /// Answers one request. Called concurrently when the descriptor says the
    /// plugin is thread-safe, one at a time otherwise.
    func handle(_ request: AgentRequest) throws -> AgentReply
}

extension AgentPlugin {
    public static var tools: [Tool] { [] }
}

/// The binary's self-description; the host checks it against `plugin.json`.
public struct AgentDescriptor: Sendable {
    public var id: String
    public var name: String
    public var version: String
    public var capabilities: [String]
    public var threadSafe: Bool

    public init(id: String, name: String, version: String, capabilities: [String], threadSafe: Bool) {
        self.id = id
        self.name = name
        self.version = version
        self.capabilities = capabilities
        self.threadSafe = threadSafe
    }
}
