import AgentPluginKit
#if canImport(Glibc)
import Glibc
#endif

/// `bench.echo_swift` answers with its payload, so the benchmark can time the
/// host plus AgentPluginKit without an agent's own work. `bench.model_call`
/// makes one model call through the host's model service and answers with
/// when each streamed text event reached it (monotonic nanoseconds), so the
/// benchmark can time the host's side of a model call and of each chunk.
struct EchoAgent: AgentPlugin {
    static let descriptor = AgentDescriptor(id: "agenthost.bench.echo-swift", name: "Echo (Swift)", version: "1.0.0",
                                            capabilities: ["bench.echo_swift", "bench.model_call"], threadSafe: true)

    static var tools: [Tool] {
        [Tool("add", states: .working, summary: "Adds two integers.") { (a: Int64, b: Int64) -> Int64 in a &+ b }]
    }

    init(host: PluginHost) {}

    func handle(_ request: AgentRequest) throws -> AgentReply {
        guard request.capability == "bench.model_call" else { return AgentReply(body: request.payload) }
        struct Input: Decodable { var stream: Bool }
        let input = try request.decode(Input.self)
        var arrivals: [UInt64] = []
        arrivals.reserveCapacity(64)
        let answer = try request.complete(AgentRequest.ChatRequest(messages: [.init(.user, "Say ok.")], stream: input.stream)) { event in
            if case .text = event { arrivals.append(Self.now()) }
        }
        return AgentReply(body: Array(#"{"text":"\#(answer.text.count) characters","arrivals":[\#(arrivals.map(String.init).joined(separator: ","))]}"#.utf8))
    }

    private static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}

@_cdecl("agenthost_swift_plugin")
public func agenthostSwiftPlugin() -> UnsafeRawPointer { AgentPluginExport.functions(for: EchoAgent.self) }
