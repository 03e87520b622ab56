import AgentHostCore
import AgentHostTestSupport
import Foundation

/// A hostile plugin and a good one (the fixture) in one host, both
/// untrusted and so isolated, with a real task store; `policyYAML` is a
/// policy file's text.
func hostileHost(_ hostile: FixturePlugin = .hostile(), others: [FixturePlugin] = [FixturePlugin(id: "test.good")],
                 policyYAML: String = "") throws -> RuntimeFixture {
    let policy = try PolicyFile.parse(policyYAML, path: "test-policy.yaml")
    return try RuntimeFixture([hostile] + others, policy: policy)
}

extension RuntimeFixture {
    /// Runs `capability` as a stored task and returns how it ended.
    func task(_ capability: String, _ json: String = "{}", timeout: Duration? = nil) throws -> TaskOutcome {
        try runtime.run(TaskRequest(.capability(capability), payload: Array(json.utf8), timeout: timeout))
    }

    /// The fault a task ended with, if it ended with one.
    func fault(of outcome: TaskOutcome) -> PluginFault? {
        if case .call(.pluginFault(_, let fault))? = outcome.error { return fault }
        return nil
    }

    /// Whether the good plugin still answers.
    func goodPluginAnswers() -> Bool {
        (try? host.call("fixture.echo", json: #"{"still":"here"}"#))?.text == #"{"still":"here"}"#
    }
}
