import AgentHostTestSupport
import Foundation
import Testing

/// The `agenthost` executable, run as a real subprocess with a private HOME.
@Suite final class CLITests {
    let home: TemporaryFolder

    init() throws { home = try TemporaryFolder("home") }
    deinit { home.remove() }

    func agenthost(_ arguments: String..., input: String? = nil) throws -> Command.Result {
        try Command.agenthost(arguments, home: home.url, input: input)
    }

    @Test func pluginsListShowsTheBundledPlugins() throws {
        let result = try agenthost("plugins", "list")
        #expect(result.status == 0)
        #expect(result.stdout.contains("agenthost.knowledge 0.2.0  loaded, in-process, trusted  [bundled]"))
        #expect(result.stdout.contains("capabilities: planner.plan"))
        #expect(result.stdout.contains("tools: tokenize str(str)"))
        for plugin in ["assistant", "browser", "code", "test", "review", "debug", "planner"] {
            #expect(result.stdout.contains("agenthost.\(plugin) "), "\(plugin) is bundled")
        }
        #expect(result.stdout.contains("8 loaded, 0 refused"))
    }

    @Test func pluginsListSaysWhyAPluginWasRefused() throws {
        var fixture = FixturePlugin(id: "test.cli-major")
        fixture.defines["FIXTURE_ABI_MAJOR"] = "3"
        try fixture.install(in: home.url.appendingPathComponent(".agenthost/plugins"))
        let result = try agenthost("plugins", "list")
        #expect(result.status == 0)
        #expect(result.stdout.contains("test.cli-major 1.0.0  REFUSED  [~/.agenthost/plugins]"))
        #expect(result.stdout.contains("built for ABI major 3, this host speaks ABI major 1"))
        let json = try agenthost("plugins", "list", "--json")
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(entries.contains { $0["id"] as? String == "test.cli-major" && $0["status"] as? String == "refused" })
    }

    @Test func pluginsInfoShowsOnePluginOrFailsClearly() throws {
        let info = try agenthost("plugins", "info", "agenthost.planner")
        #expect(info.status == 0)
        #expect(info.stdout.contains("tool schedule_rounds i64(i64,i64) in PLANNING,EXECUTING"))
        // What a capability takes: words, and its declared input.
        #expect(info.stdout.contains("    takes words in 'goal'; keywords: plan, decompose"), "\(info.stdout)")
        #expect(info.stdout.contains("    input: goal (string, required), max_steps (integer"), "\(info.stdout)")
        #expect(info.stdout.contains("    takes no words (run it by name with --input)"), "planner.replan: \(info.stdout)")
        let missing = try agenthost("plugins", "info", "nope.nothing")
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("no plugin with id 'nope.nothing'"))
    }

    @Test func pluginsCheckValidatesAFolder() throws {
        let good = try FixturePlugin(id: "test.cli-good").install(in: home.url)
        let ok = try agenthost("plugins", "check", good.path)
        #expect(ok.status == 0)
        #expect(ok.stdout.contains("ok: test.cli-good 1.0.0"))

        var broken = FixturePlugin(id: "test.cli-broken")
        broken.editManifest = { $0.removeValue(forKey: "library") }
        let bad = try agenthost("plugins", "check", try broken.install(in: home.url).path)
        #expect(bad.status == 1)
        #expect(bad.stdout.contains("lacks the required field 'library'"))

        let nowhere = try agenthost("plugins", "check", "/nonexistent/plugin")
        #expect(nowhere.status != 0)
        #expect(nowhere.stderr.contains("does not exist"))
    }

    @Test func runPrintsTheResultJSON() throws {
        let corpus = try TemporaryFolder("cli-corpus")
        defer { corpus.remove() }
        try corpus.file("a.md", "Plugins are loaded with dlopen.\n")
        let result = try agenthost("run", "knowledge.search", "--workspace", corpus.url.path, "--input", #"{"query": "dlopen"}"#)
        #expect(result.status == 0)
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect((answer["results"] as? [[String: Any]])?.first?["file"] as? String == "a.md")

        let fromStdin = try agenthost("run", "planner.plan", "--input-file", "-", input: #"{"goal": "search the docs"}"#)
        #expect(fromStdin.status == 0)
        #expect(fromStdin.stdout.contains("knowledge.search"))
    }

    @Test func runFailsClearlyOnBadInput() throws {
        let malformed = try agenthost("run", "knowledge.search", "--input", #"{"query": }"#)
        #expect(malformed.status != 0)
        #expect(malformed.stderr.contains("--input is not valid JSON"))

        let notObject = try agenthost("run", "knowledge.search", "--input", "[1]")
        #expect(notObject.status != 0)
        #expect(notObject.stderr.contains("must be a JSON object"))

        let unknown = try agenthost("run", "knowledge.serch", "--input", "{}")
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("no agent provides capability 'knowledge.serch'; close matches: "))
        #expect(unknown.stderr.contains("'knowledge.search'"))

        let agentError = try agenthost("run", "knowledge.search", "--input", "{}")
        #expect(agentError.status != 0)
        #expect(agentError.stderr.contains("the input does not fit 'knowledge.search':\n  input lacks the required field 'query'"), "\(agentError.stderr)")
        let empty = try agenthost("run", "knowledge.search", "--input", #"{"query": ""}"#)
        #expect(empty.status != 0)
        #expect(empty.stderr.contains("input.query has 0 characters, fewer than the minimum 1"), "\(empty.stderr)")

        let badState = try agenthost("run", "knowledge.search", "--agent-state", "DREAMING")
        #expect(badState.status != 0)
        #expect(badState.stderr.contains("DREAMING"))
        #expect(agentError.stdout.isEmpty)
    }

    @Test func toolCallsATypedToolAndRespectsItsMask() throws {
        let rounds = try agenthost("tool", "agenthost.planner", "schedule_rounds", "7", "3")
        #expect(rounds.status == 0)
        #expect(rounds.stdout == "3\n")
        let masked = try agenthost("tool", "agenthost.planner", "schedule_rounds", "7", "3", "--agent-state", "LEARNING")
        #expect(masked.status != 0)
        #expect(masked.stderr.contains("tool masked: 'schedule_rounds' may not be called in state LEARNING"))
        let badArgument = try agenthost("tool", "agenthost.planner", "schedule_rounds", "seven", "3")
        #expect(badArgument.status != 0)
        #expect(badArgument.stderr.contains("'seven' is not a valid i64"))
    }

    @Test func demoRunsEndToEnd() throws {
        let result = try agenthost("demo")
        #expect(result.status == 0)
        #expect(result.stdout.contains("-> knowledge.search [agenthost.knowledge]"))
        #expect(result.stdout.contains("ranking.md:"))
        #expect(result.stdout.contains("agenthost.planner.schedule_rounds i64(i64,i64)"))
        #expect(result.stdout.contains("Done: 2 step(s) planned"))
    }

    @Test func theHelloCExampleBuildsWithCcAndRuns() throws {
        let example = try TemporaryFolder("hello-c")
        defer { example.remove() }
        let source = PackagePaths.root.appendingPathComponent("sdk/examples/hello-c")
        try FileManager.default.copyItem(at: source.appendingPathComponent("plugin.json"), to: example.url.appendingPathComponent("plugin.json"))
        let cc = try Command.run("cc", ["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-shared", "-fPIC", "-I",
                                        PackagePaths.sdkInclude.path, "-o", example.url.appendingPathComponent("libhello.so").path,
                                        source.appendingPathComponent("hello.c").path])
        #expect(cc.status == 0, "\(cc.stderr)")
        let result = try agenthost("run", "hello.greet", "--plugin-dir", example.url.path, "--input", #"{"name":"Ada"}"#)
        #expect(result.status == 0)
        #expect(result.stdout == #"{"greeting":"Hello, Ada","input":{"name":"Ada"}}"# + "\n")
    }

    @Test func everyCommandHasHelp() throws {
        for command in [[], ["plugins"], ["plugins", "list"], ["plugins", "info"], ["plugins", "check"], ["plugins", "pack"], ["plugins", "install"],
                        ["keys"], ["directory"], ["directory", "serve"], ["run"], ["tool"], ["demo"]] {
            let result = try Command.agenthost(command + ["--help"], home: home.url)
            #expect(result.status == 0, "\(command)")
            #expect(result.stdout.contains("USAGE:"), "\(command)")
        }
    }
}
