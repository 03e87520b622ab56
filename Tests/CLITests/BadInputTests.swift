import AgentHostCore
import AgentHostTestSupport
import Foundation
import Testing

/// One rule for bad input: every number is bounded, bytes that are not
/// UTF-8 are refused with their position wherever they come in, a value of
/// the wrong kind is named in plain words, and nothing is stored for it.
@Suite final class BadInputTests {
    let home: TemporaryFolder

    init() throws { home = try TemporaryFolder("home") }
    deinit { home.remove() }

    var database: String { home.url.appendingPathComponent("state.sqlite").path }

    func agenthost(_ arguments: String..., input: String? = nil) throws -> Command.Result {
        try Command.agenthost(arguments + ["--state", database], home: home.url, input: input)
    }

    /// Runs `script` with sh, for bytes a Swift string cannot hold; `$AGENTHOST` is the CLI, `$STATE` the store.
    func shell(_ script: String) throws -> Command.Result {
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = home.url.path
        environment["AGENTHOST"] = PackagePaths.agenthostExecutable.path
        environment["STATE"] = database
        environment.removeValue(forKey: "AGENTHOST_HOME")
        return try Command.run("sh", ["-c", script], environment: environment, currentDirectory: home.url)
    }

    func nothingWasStored() throws -> Bool {
        try agenthost("tasks", "list").stdout.contains("No tasks in")
    }

    @Test(arguments: ["1e308", "inf", "nan", "1e10", "-1", "0", "2592001"])
    func aTimeoutOutOfRangeIsRefusedBeforeAnythingIsStored(value: String) throws {
        let result = try agenthost("run", "knowledge.search", "--input", #"{"query": "x"}"#, "--timeout", value)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("--timeout"), "\(result.stderr)")
        #expect(result.stderr.contains("must be a number of seconds above 0") || result.stderr.contains("is longer than 30 days"), "\(result.stderr)")
        #expect(try nothingWasStored())
    }

    @Test func otherNumbersAreCheckedToo() throws {
        let chat = try agenthost("chat", "--timeout", "1e300", input: "hello\n")
        #expect(chat.status == 64 && chat.stderr.contains("--timeout 1e+300 is longer than 30 days"), "\(chat.stderr)")
        let turns = try agenthost("chat", "--max-turns", "-3", input: "")
        #expect(turns.status == 64 && turns.stderr.contains("--max-turns must be a whole number from 1 to 1000000, not -3"), "\(turns.stderr)")
        let limit = try agenthost("tasks", "list", "--limit", "0")
        #expect(limit.status == 64 && limit.stderr.contains("--limit must be a whole number from 1"), "\(limit.stderr)")
        let concurrency = try agenthost("plan", "build it", "--concurrency", "99999999999999999999")
        #expect(concurrency.status == 64, "\(concurrency.stderr)")
        #expect(try nothingWasStored())
    }

    @Test func aWorkflowTimeoutTooLargeForADeadlineIsRefusedByValidate() throws {
        try home.file("huge.yaml", """
            name: huge
            mode: sequential
            steps:
              - { id: a, capability: knowledge.search, input: { query: x, root: . }, timeout_ms: 9223372036854775807 }
            """)
        for command in ["validate", "run"] {
            let result = try agenthost("workflow", command, home.url.appendingPathComponent("huge.yaml").path)
            #expect(result.status != 0)
            #expect(result.stderr.contains("line 4: step 'a'.timeout_ms must be a whole number from 1 to 2592000000"), "\(result.stderr)")
        }
        #expect(try agenthost("runs", "list").stdout.contains("No runs"))
    }

    /// Found in review: Yams reads "1:1:1" as base 60 and overflows on a long one; the host reads numbers itself.
    @Test func aBase60NumberIsNotANumberAndCannotOverflow() throws {
        try home.file("base60.yaml", """
            name: base60
            mode: parallel
            concurrency: 1:1:1:1:1:1:1:1:1:1:1
            steps:
              - { id: a, capability: knowledge.search, max_attempts: 200000000000000000:0, input: { query: x, n: 9:9:9:9:9:9:9:9:9:9:9:9 } }
            """)
        let result = try agenthost("workflow", "validate", home.url.appendingPathComponent("base60.yaml").path)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("line 3: concurrency must be a whole number from 1 to 10000, not 1:1:1:1:1:1:1:1:1:1:1"), "\(result.stderr)")
        #expect(result.stderr.contains("max_attempts must be a whole number from 1 to 1000"), "\(result.stderr)")
    }

    @Test func bytesThatAreNotUTF8AreRefusedWithTheirPositionEverywhere() throws {
        let argument = try shell(#""$AGENTHOST" run knowledge.search --state "$STATE" --input "$(printf '{"query": "\377"}')""#)
        #expect(argument.status == 64)
        #expect(argument.stderr.contains("the value of --input (argument 6) is not UTF-8: byte 11 (0xFF)"), "\(argument.stderr)")

        let file = try shell(#"printf '{"query": "\300\257"}' > in.json; "$AGENTHOST" run knowledge.search --state "$STATE" --input-file in.json"#)
        #expect(file.status != 0)
        #expect(file.stderr.contains("--input-file 'in.json' is not UTF-8 text: byte 11 (0xC0)"), "\(file.stderr)")

        let stdin = try shell(#"printf '{"query": "\355\240\200"}' | "$AGENTHOST" run knowledge.search --state "$STATE" --input-file -"#)
        #expect(stdin.status != 0)
        #expect(stdin.stderr.contains("stdin is not UTF-8 text: byte 11 (0xED)"), "a surrogate is not UTF-8: \(stdin.stderr)")

        let workflow = try shell(#"printf 'name: w\nmode: sequential\nsteps: [\377]\n' > w.yaml; "$AGENTHOST" workflow validate w.yaml --state "$STATE""#)
        #expect(workflow.status != 0)
        #expect(workflow.stderr.contains("workflow file 'w.yaml', line 3: is not UTF-8 text: byte 33 (0xFF)"), "\(workflow.stderr)")

        let policy = try shell(#"printf 'guardrails:\n  deny: ["\377"]\n' > p.yaml; "$AGENTHOST" run knowledge.search --policy p.yaml --state "$STATE""#)
        #expect(policy.status != 0)
        #expect(policy.stderr.contains("policy file 'p.yaml', line 2: is not UTF-8 text: byte 22 (0xFF)"), "\(policy.stderr)")

        let message = try shell(#"printf 'ok\n'; printf 'bad \377 line\n/quit\n' | "$AGENTHOST" chat --agent agenthost.knowledge=knowledge --state "$STATE""#)
        #expect(message.stdout.contains("line 1 of the input was not sent: it is not UTF-8 text: byte 4 (0xFF)"), "\(message.stdout)\(message.stderr)")
        #expect(try nothingWasStored(), "no task was made from any of them")
    }

    @Test func aFileThatIsNotTextIsRefusedWithoutEchoingItsBytes() throws {
        var binary = Data("SECRETSTART".utf8)
        binary.append(contentsOf: [0, 1, 2, 0xFE, 0])
        try binary.write(to: home.url.appendingPathComponent("blob.yaml"))
        let policy = try agenthost("run", "knowledge.search", "--policy", home.url.appendingPathComponent("blob.yaml").path)
        #expect(policy.status != 0)
        #expect(policy.stderr.contains("is not UTF-8 text") || policy.stderr.contains("is not text: byte 11 is NUL"), "\(policy.stderr)")
        #expect(!policy.stderr.contains("SECRETSTART"), "its bytes are not echoed")
        let workflow = try agenthost("workflow", "run", home.url.appendingPathComponent("blob.yaml").path)
        #expect(workflow.status != 0)
        #expect(!workflow.stderr.contains("SECRETSTART"))
    }

    @Test func aValueOfTheWrongKindIsNamedInPlainWords() throws {
        for (input, kind) in [(#""bm25""#, "a string"), ("[1, 2]", "an array"), ("42", "a number"), ("true", "true or false"), ("null", "null")] {
            let result = try agenthost("run", "knowledge.search", "--input", input)
            #expect(result.status != 0)
            #expect(result.stderr.contains("--input must be a JSON object ({\"key\": value, ...}), not \(kind)"), "\(result.stderr)")
            #expect(!result.stderr.contains("fragments"))
        }
        try home.file("list.yaml", "- name: x\n- mode: sequential\n")
        let workflow = try agenthost("workflow", "validate", home.url.appendingPathComponent("list.yaml").path)
        #expect(workflow.stderr.contains("the workflow must be a mapping of name, mode"), "\(workflow.stderr)")
        #expect(workflow.stderr.contains("not a list"), "\(workflow.stderr)")
    }

    @Test func aWorkflowFileReportsEveryProblemAtOnce() throws {
        try home.file("many.yaml", """
            name: many
            mode: sideways
            colour: blue
            steps:
              - { id: a, capability: knowledge.search, needz: [b] }
              - { capability: knowledge.search }
              - { id: c, capability: knowledge.search, max_attempts: 0, strict: maybe }
              - just a string
            """)
        let result = try agenthost("workflow", "validate", home.url.appendingPathComponent("many.yaml").path)
        #expect(result.status != 0)
        for expected in ["has 7 problems", "line 2: unknown mode 'sideways'", "line 3: unknown key 'colour' in the workflow",
                         "line 5: unknown key 'needz' in a step", "line 6: every step needs an 'id'",
                         "line 7: step 'c'.max_attempts must be a whole number from 1 to 1000, not 0", "line 7: step 'c'.strict must be true or false",
                         "line 8: a step must be a mapping"] {
            #expect(result.stderr.contains(expected), "\(expected): \(result.stderr)")
        }
    }
}
