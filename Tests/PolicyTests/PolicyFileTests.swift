import AgentHostCore
import AgentHostTestSupport
import Foundation
import Testing

@Suite struct PolicyFileTests {
    @Test func readsGlobalAndPerAgentSections() throws {
        let policy = try PolicyFile.parse("""
            global:
              input: { max_bytes: 100, secrets: trip, pii: redact, deny: ["(?i)drop table"] }
              output: { validate_output: true }
              network: ["127.0.0.1"]
            handoffs:
              max_depth: 2
            agents:
              agenthost.knowledge:
                input: { pii: allow }
            """, path: "policy.yaml")
        #expect(policy.global.input.maxBytes == 100)
        #expect(policy.global.input.personalData == .redact)
        #expect(policy.global.input.deny.map(\.pattern) == ["(?i)drop table"])
        #expect(policy.global.output.validateOutput)
        #expect(policy.handoffDepthLimit == 2)
        let knowledge = policy.guardrails(for: "agenthost.knowledge")
        #expect(knowledge.input.personalData == .allow)
        #expect(knowledge.input.maxBytes == 100, "an agent section keeps what it does not override")
        #expect(knowledge.network?.patterns == ["127.0.0.1"])
        #expect(policy.guardrails(for: "someone.else").input.personalData == .redact)
    }

    @Test func theREADMEExampleIsAValidPolicy() throws {
        let readme = try String(contentsOf: PackagePaths.root.appendingPathComponent("README.md"), encoding: .utf8)
        let block = try #require(readme.components(separatedBy: "```yaml\n").dropFirst().first?.components(separatedBy: "```").first)
        let policy = try PolicyFile.parse(block, path: "README.md")
        #expect(policy.global.input.deny.first?.pattern == "(?i)drop\\s+table")
        #expect(policy.guardrails(for: "agenthost.knowledge").output.personalData == .allow)
    }

    @Test(arguments: [
        ("global:\n  input:\n    secret: trip\n", 3, "unknown key 'secret' in global.input"),
        ("global:\n  input: { secrets: maybe }\n", 2, "must be allow, redact or trip"),
        ("global:\n  input:\n    max_bytes: -4\n", 3, "max_bytes must be a whole number"),
        ("global:\n  input:\n    deny: [\"([unclosed\"]\n", 3, "not a valid regular expression"),
        ("globl:\n  input: {}\n", 1, "unknown key 'globl'"),
        ("global:\n  input: [1, 2\n", 3, "is not valid YAML"),
        ("handoffs:\n  max_depth: zero\n", 2, "max_depth must be a whole number"),
        ("agents:\n  Not An Id:\n    input: {}\n", 2, "is not an agent id"),
    ])
    func refusesAWrongFileWithTheLine(text: String, line: Int, problem: String) {
        #expect {
            try PolicyFile.parse(text, path: "bad.yaml")
        } throws: { error in
            guard let error = error as? PolicyFileError else { return false }
            return error.line == line && error.problem.contains(problem) && error.description.contains("'bad.yaml', line \(line)")
        }
    }
}
