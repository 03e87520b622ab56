import AgentHostCore
import AgentHostTestSupport
import Foundation
import Testing

/// The example team (examples/team) as a person runs it, with the real
/// `agenthost` command, against scripted replies of a loopback server that
/// speaks OpenAI's Chat Completions; and an approval that outlives its host.
@Suite(.serialized) final class TeamWorkflowTests {
    static let key = "sk-test-TeamKEY0123456789abcdefghij"
    let server: ModelProviderServer
    let home: TemporaryFolder
    let workspace: URL

    init() throws {
        server = try ModelProviderServer()
        home = try TemporaryFolder("team")
        workspace = home.url.appendingPathComponent("workspace")
        try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
    }

    deinit {
        server.stop()
        home.remove()
    }

    var database: String { home.url.appendingPathComponent("state.sqlite").path }

    func policy(approvals: String = "") throws -> String {
        let path = home.url.appendingPathComponent("policy.yaml").path
        try """
            models:
              default: { provider: openai, base_url: "\(server.openAIBaseURL.absoluteString)", model: scripted, key_env: TEAM_TEST_KEY,
                         price: { input: 0.15, output: 0.60 }, timeout_s: 20, max_retries: 1 }
            \(approvals)
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func arguments(_ words: [String], policy: String) -> [String] {
        words + ["--agents", PackagePaths.root.appendingPathComponent("examples/team/agents").path, "--policy", policy,
                 "--workspace", workspace.path, "--state", database]
    }

    func agenthost(_ words: [String], policy: String) throws -> Command.Result {
        try Command.agenthost(arguments(words, policy: policy), home: home.url, extraEnvironment: ["TEAM_TEST_KEY": Self.key])
    }

    /// The six answers of one run: stories, design, the developer's scaffold call and summary, QA's test run and report.
    func scriptTheTeam() {
        server.enqueue(
            .openAIText("1. As a user, I want to add an item, so that I remember it.", usage: (120, 40), streamed: true),
            .openAIText("Module todo: add(item), list(), complete(index); tested with unittest.", usage: (200, 60)),
            .openAIToolCalls([("call_dev", "code_scaffold", #"{"language": "python", "name": "todo"}"#)], usage: (300, 30)),
            .openAIText("Scaffolded the python project todo in the workspace.", usage: (350, 20)),
            .openAIToolCalls([("call_qa", "test_run", #"{"command": ["python3", "-c", "print('1 passed')"]}"#)], usage: (250, 25)),
            .openAIText("All acceptance criteria pass: 1 passed.", usage: (280, 15), streamed: true))
    }

    var workflow: String { PackagePaths.root.appendingPathComponent("examples/team/workflow.yaml").path }

    @Test func theExampleTeamTurnsARequirementIntoStoriesDesignCodeAndATestRun() throws {
        scriptTheTeam()
        let policy = try policy()
        let run = try agenthost(["workflow", "run", workflow], policy: policy)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(server.requests.count == 6)
        #expect(server.pendingReplies == 0)
        // The developer's tool call reached the Code agent, which made the project in the workspace.
        #expect(FileManager.default.fileExists(atPath: workspace.appendingPathComponent("todo").path))
        let store = try TaskStore(path: database, access: .readOnly)
        let usage = try store.modelUsage(ofRun: 1)
        #expect(Set(usage.map(\.agent)) == ["team.product_manager", "team.architect", "team.developer", "team.qa"])
        #expect(ModelUsageSummary.total(usage).inputTokens == 120 + 200 + 300 + 350 + 250 + 280)
        let show = try agenthost(["runs", "show", "1"], policy: policy)
        #expect(show.stdout.contains("model usage"))
        #expect(show.stdout.contains("team.developer"))
        let stats = try agenthost(["stats"], policy: policy)
        #expect(stats.stdout.contains("team.qa"))
        let list = try agenthost(["plugins", "list"], policy: policy)
        #expect(list.stdout.contains("team.architect"))
        #expect(list.stdout.contains("role file"))
        // The key is in the request headers, never in the store.
        #expect(server.requests.allSatisfy { $0.headers["authorization"] == "Bearer \(Self.key)" })
        let bytes = try Data(contentsOf: URL(fileURLWithPath: database))
        #expect(bytes.range(of: Data(Self.key.utf8)) == nil)
    }

    @Test func anApprovalOutlivesItsHostAndTheResumedRunDoesNotRepeatWork() throws {
        scriptTheTeam()
        let policy = try policy(approvals: "approvals: { capabilities: [code.scaffold] }")
        let first = try BackgroundHost(arguments(["workflow", "run", workflow], policy: policy), home: home.url,
                                       extraEnvironment: ["TEAM_TEST_KEY": Self.key])
        var pending: StoredApproval?
        for _ in 0..<400 where pending == nil {
            Thread.sleep(forTimeInterval: 0.05)
            if let store = try? TaskStore(path: database, access: .readOnly) { pending = (try? store.approvals(pendingOnly: true))?.first }
        }
        let waiting = try #require(pending, "the developer's scaffold call waits for approval: \(first.stderr)")
        #expect(waiting.subject == "code.scaffold")
        #expect(try TaskStore(path: database, access: .readOnly).task(id: waiting.taskId ?? 0)?.status == .waitingApproval)
        first.signal(SIGKILL)
        _ = first.wait()
        #expect(server.requests.count == 3, "stories, design and the developer's first call")

        let list = try agenthost(["approvals", "list"], policy: policy)
        #expect(list.stdout.contains("code.scaffold"))
        let approve = try agenthost(["approvals", "approve", "\(waiting.id)"], policy: policy)
        #expect(approve.status == 0, "\(approve.stderr)")
        let again = try agenthost(["approvals", "approve", "\(waiting.id)"], policy: policy)
        #expect(again.status != 0)
        #expect(again.stderr.contains("already approved"))

        let resumed = try agenthost(["resume", "1"], policy: policy)
        #expect(resumed.status == 0, "\(resumed.stdout)\n\(resumed.stderr)")
        // The developer's first answer was replayed from the store, not asked for again.
        #expect(server.requests.count == 6)
        let store = try TaskStore(path: database, access: .readOnly)
        let approvals = try store.approvals(pendingOnly: false)
        #expect(approvals.count == 1)
        #expect(approvals.first?.result != nil)
        #expect(FileManager.default.fileExists(atPath: workspace.appendingPathComponent("todo").path))
    }

    @Test func aBrokenRoleFileStopsTheCommandWithItsLine() throws {
        let folder = home.url.appendingPathComponent("agents")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "id: team.bad\nrole: Bad\nmodel: default\ninstructions: x\ncapabilities:\n  - name: team.bad\n    inputs: {}\n"
            .write(to: folder.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
        let result = try Command.agenthost(["plugins", "list", "--agents", folder.path, "--state", database], home: home.url)
        #expect(result.status != 0)
        #expect(result.stderr.contains("bad.yaml', line 7"))
    }
}
