import AgentPluginKit

/// `bench.echo_swift` answers with its payload, so the benchmark can time the
/// host plus AgentPluginKit without an agent's own work.
struct EchoAgent: AgentPlugin {
    static let descriptor = AgentDescriptor(id: "agenthost.bench.echo-swift", name: "Echo (Swift)", version: "1.0.0",
                                            capabilities: ["bench.echo_swift"], threadSafe: true)

    static var tools: [Tool] {
        [Tool("add", states: .working, summary: "Adds two integers.") { (a: Int64, b: Int64) -> Int64 in a &+ b }]
    }

    init(host: PluginHost) {}

    func handle(_ request: AgentRequest) throws -> AgentReply { AgentReply(body: request.payload) }
}

@_cdecl("agenthost_swift_plugin")
public func agenthostSwiftPlugin() -> UnsafeRawPointer { AgentPluginExport.functions(for: EchoAgent.self) }
