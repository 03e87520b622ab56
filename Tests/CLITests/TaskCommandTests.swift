import AgentHostTestSupport
import Foundation
import Testing

/// `run`, `tasks`, `stats`, `route` and `delegate` against a real SQLite file.
@Suite final class TaskCommandTests {
    let home: TemporaryFolder
    let docs: TemporaryFolder

    init() throws {
        home = try TemporaryFolder("home")
        docs = try TemporaryFolder("docs")
        try docs.file("bm25.md", "# BM25\n\nBM25 ranks passages by term frequency and inverse document frequency.\n")
    }

    deinit {
        home.remove()
        docs.remove()
    }

    var database: String { home.url.appendingPathComponent("tasks.sqlite").path }

    func agenthost(_ arguments: String..., input: String? = nil) throws -> Command.Result {
        try Command.agenthost(arguments, home: home.url, input: input)
    }

    @Test func runStoresTheTaskAndTasksAndStatsReadIt() throws {
        let input = #"{"query": "bm25 ranking", "root": "\#(docs.url.path)"}"#
        let run = try agenthost("run", "knowledge.search", "--input", input, "--state", database, "--workspace", docs.url.path)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("task 1 completed: agenthost.knowledge (knowledge.search)"))
        let failed = try agenthost("run", "knowledge.serch", "--state", database)
        #expect(failed.status != 0)

        let list = try agenthost("tasks", "list", "--state", database)
        #expect(list.status == 0)
        #expect(list.stdout.contains("completed   knowledge.search"))
        #expect(list.stdout.contains("failed      knowledge.serch"))
        let onlyFailed = try agenthost("tasks", "list", "--status", "failed", "--state", database)
        #expect(!onlyFailed.stdout.contains("completed"))

        let show = try agenthost("tasks", "show", "1", "--state", database)
        #expect(show.status == 0)
        #expect(show.stdout.contains("task 1: completed"))
        #expect(show.stdout.contains("route:     exact capability 'knowledge.search'"))
        #expect(show.stdout.contains("bm25.md"))
        let json = try agenthost("tasks", "show", "2", "--json", "--state", database)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["status"] as? String == "failed")
        #expect((object["error"] as? String)?.contains("close matches: ") == true)
        #expect((object["error"] as? String)?.contains("'knowledge.search'") == true)

        let stats = try agenthost("stats", "--state", database)
        #expect(stats.status == 0)
        #expect(stats.stdout.contains("Agents (8): agenthost.assistant, agenthost.browser, agenthost.code, agenthost.debug, agenthost.knowledge, agenthost.planner"))
        #expect(stats.stdout.contains("completed 1, failed 1"))
        #expect(stats.stdout.contains("Success rate: 50.0%"))
        #expect(stats.stdout.contains("agenthost.knowledge"))
    }

    @Test func showingAMissingTaskFailsClearly() throws {
        let result = try agenthost("tasks", "show", "99", "--state", database)
        #expect(result.status != 0)
        #expect(result.stderr.contains("no task 99"))
        let badStatus = try agenthost("tasks", "list", "--status", "done", "--state", database)
        #expect(badStatus.status != 0)
        #expect(badStatus.stderr.contains("'done' is not one of pending, in_progress"))
    }

    @Test func freeTextIsRoutedByKeywordsAndRouteShowsTheRanking() throws {
        let route = try agenthost("route", "please plan the steps of this goal")
        #expect(route.status == 0)
        #expect(route.stdout.contains("chosen: agenthost.planner (planner.plan)"))
        #expect(route.stdout.contains("keywords 'plan', 'steps', 'goal' matched"))
        let nothing = try agenthost("route", "bake me a cake")
        #expect(nothing.status != 0)
        #expect(nothing.stderr.contains(#"no agent takes "bake me a cake""#), "\(nothing.stderr)")
        let run = try agenthost("run", "plan the release", "--input", #"{"goal": "research the notes, then ship it"}"#, "--state", database)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("\"steps\""))
    }

    @Test func delegateRunsEachActionOrRefusesTheMessageWithItsLine() throws {
        let message = "ACTION: DELEGATE\nAGENT_TYPE: planner\nTASK: plan the release\n---END---\n"
        let ok = try agenthost("delegate", "--file", "-", "--state", database, input: message)
        #expect(ok.status != 0, "the planner needs a goal field, so the delegated task fails, and says so")
        #expect(ok.stderr.contains("task 1 failed: agenthost.planner (planner.plan)"))
        let malformed = try agenthost("delegate", "ACTION: DELEGATE\nAGENT_TYPE: planner\nTASK: x\n", "--state", database)
        #expect(malformed.status != 0)
        #expect(malformed.stderr.contains("DELEGATE action, line 1: the block is never closed"))
        let unknown = try agenthost("delegate", "ACTION: DELEGATE\nAGENT_TYPE: plannr\nTASK: x\n---END---", "--state", database)
        #expect(unknown.stderr.contains("line 2: unknown agent type 'plannr' (did you mean 'planner'?)"))
        // Nothing that was stored is lost by the refusals.
        let list = try agenthost("tasks", "list", "--state", database)
        #expect(list.stdout.contains("1      failed"))
    }

    @Test func aWrongPolicyFileIsRefusedAtStartWithItsLine() throws {
        let policy = home.url.appendingPathComponent("policy.yaml")
        try Data("global:\n  input:\n    secrets: sometimes\n".utf8).write(to: policy)
        let result = try agenthost("run", "knowledge.search", "--policy", policy.path, "--state", database)
        #expect(result.status != 0)
        #expect(result.stderr.contains("policy file '\(policy.path)', line 3: global.input.secrets must be allow, redact or trip"))
        #expect(!FileManager.default.fileExists(atPath: database), "nothing ran, so nothing was stored")
    }

    @Test func aPolicyFileGuardsTheInput() throws {
        let policy = home.url.appendingPathComponent("policy.yaml")
        try Data("global:\n  input: { pii: trip }\n".utf8).write(to: policy)
        let input = #"{"query": "mail ada@example.org", "root": "\#(docs.url.path)"}"#
        let result = try agenthost("run", "knowledge.search", "--input", input, "--policy", policy.path, "--state", database)
        #expect(result.status != 0)
        #expect(result.stderr.contains("guardrail 'pii' tripped on the input of agent 'agenthost.knowledge': an e-mail address at byte"))
        #expect(!result.stderr.contains("ada@example.org"))
    }

    @Test func anUnusableDatabaseIsRefusedByName() throws {
        let notADatabase = home.url.appendingPathComponent("junk.sqlite")
        try Data(String(repeating: "not a database ", count: 20).utf8).write(to: notADatabase)
        let result = try agenthost("tasks", "list", "--state", notADatabase.path)
        #expect(result.status != 0)
        #expect(result.stderr.contains("junk.sqlite"))
    }
}
