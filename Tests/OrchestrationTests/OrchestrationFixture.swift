import AgentHostCore
import AgentHostTestSupport
import Foundation

/// Fixture agents for orchestration tests: `test.a` (answers "yes"), and any
/// others a test names with their answers, plus a real SQLite store.
func orchestration(_ agents: [String: String] = ["test.a": "yes"], failing: Set<String> = [], policy: Policy = .standard,
                   edit: @escaping @Sendable (String, inout [String: Any]) -> Void = { _, _ in }) throws -> (RuntimeFixture, Orchestrator) {
    let plugins = agents.sorted(by: { $0.key < $1.key }).map { id, answer in
        var plugin = FixturePlugin(id: id)
        plugin.defines["FIXTURE_ANSWER"] = FixturePlugin.cString(TestJSON.quoted(answer))  // a reply is JSON
        if failing.contains(id) { plugin.defines["FIXTURE_ANSWER_FAILS"] = nil as String? }
        plugin.editManifest = { edit(id, &$0) }
        return plugin
    }
    let fixture = try RuntimeFixture(plugins, policy: policy)
    return (fixture, Orchestrator(runtime: fixture.runtime))
}

func workflow(_ yaml: String) throws -> Workflow { try WorkflowFile.parse(yaml, path: "test.yaml") }

extension RunReport {
    func text(_ step: String) -> String? { self.step(step)?.resultText }
}
