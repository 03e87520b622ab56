import AgentHostCore
import AgentHostTestSupport
import Foundation
import Testing

/// A plugin written with AgentPluginKit behaves like a C one at the ABI.
@Suite struct AgentPluginKitTests {
    static let echoes = AgentHost(searchPath: PackagePaths.searchPath(
        PackagePaths.root.appendingPathComponent("Benchmarks/EchoAgentSwift"),
        PackagePaths.root.appendingPathComponent("Benchmarks/EchoAgentC")))

    @Test func bothEchoAgentsLoadWithTheirDescriptorsMatchingTheirManifests() {
        #expect(Self.echoes.registry.failures.isEmpty)
        #expect(Self.echoes.registry.plugins.map(\.id) == ["agenthost.bench.echo-swift", "agenthost.bench.echo-c"])
        #expect(Self.echoes.registry.plugins.allSatisfy { $0.isThreadSafe })
    }

    @Test func payloadBytesRoundTripUntouched() throws {
        let payload: [UInt8] = Array(#"{"text":"héllo \u00e9 ✓","n":[1,2,3]}"#.utf8)
        for capability in ["bench.echo_swift", "bench.echo_c"] {
            #expect(try Self.echoes.call(capability, payload: payload).body == payload)
        }
        // An empty body is not a reply (agenthost.h): the echo of an empty payload fails, in both languages.
        for capability in ["bench.echo_swift", "bench.echo_c"] {
            #expect { try Self.echoes.call(capability, payload: []) } throws: { error in
                guard case AgentCallError.invalidReply(_, capability, let problem) = error else { return false }
                return problem == "the body is empty"
            }
        }
    }

    @Test func swiftToolsAreCalledThroughLibffiLikeCOnes() throws {
        for plugin in ["agenthost.bench.echo-swift", "agenthost.bench.echo-c"] {
            #expect(try Self.echoes.tool("add", of: plugin).call([.i64(40), .i64(2)], in: .learning) == .i64(42))
        }
    }
}
