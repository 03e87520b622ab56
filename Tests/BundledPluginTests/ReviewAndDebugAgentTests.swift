import AgentHostCore
import AgentHostTestSupport
import Foundation
import Testing

/// The Review agent on unified diffs, and the Debug agent on failures that
/// real compilers and programs print here (swiftc, clang, gcc, rustc, python,
/// a Swift crash, AddressSanitizer).
@Suite final class ReviewAndDebugAgentTests {
    let workspace: TemporaryFolder
    let host: AgentHost

    init() throws {
        workspace = try TemporaryFolder("debug")
        // Reviewing a diff means reading the secrets it leaks: the operator lets the
        // Review agent's input through the secrets guardrail (its output is still redacted).
        var policy = try PolicyFile.parse("agents:\n  agenthost.review:\n    input: { secrets: allow }\n", path: "policy.yaml")
        policy.workspace = workspace.url.path
        host = AgentHost(searchPath: PackagePaths.searchPath(PackagePaths.bundledPluginFolder(target: "ReviewAgent"),
                                                             PackagePaths.bundledPluginFolder(target: "DebugAgent"),
                                                             PackagePaths.bundledPluginFolder(target: "CodeAgent")), policy: policy)
    }

    deinit { workspace.remove() }

    func call(_ capability: String, _ input: [String: Any]) throws -> [String: Any] {
        let response = try host.call(capability, payload: Array(try JSONSerialization.data(withJSONObject: input)))
        return try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    static let riskyDiff = """
        diff --git a/Sources/App/Config.swift b/Sources/App/Config.swift
        index 1111111..2222222 100644
        --- a/Sources/App/Config.swift
        +++ b/Sources/App/Config.swift
        @@ -1,3 +1,9 @@
         struct Config {
        -    var name = "app"
        +    var name = "app" // TODO: read from the environment
        +    let apiKey = "AKIAABCDEFGHIJKLMNOP"
        +<<<<<<< HEAD
        +    var port = 80
        +=======
        +    var port = 8080
        +>>>>>>> feature
         }
        diff --git a/Sources/App/Server.swift b/Sources/App/Server.swift
        --- a/Sources/App/Server.swift
        +++ b/Sources/App/Server.swift
        @@ -10,2 +10,4 @@ final class Server {
             func start() {
        +        print("debug: starting")
        +        let banner = "\(String(repeating: "=", count: 130))"
             }
        diff --git a/assets/video.bin b/assets/video.bin
        new file mode 100644
        GIT binary patch
        literal 5242880
        zcmeIuF#!Mo0K%a4

        """

    @Test func reviewFlagsEachRuleWithFileLineSeverityAndAVerdict() throws {
        let review = try call("review.diff", ["diff": Self.riskyDiff])
        #expect(review["verdict"] as? String == "request_changes")
        let comments = try #require(review["comments"] as? [[String: Any]])
        func find(_ rule: String) -> [String: Any]? { comments.first { $0["rule"] as? String == rule } }
        #expect(find("secret")?["line"] as? Int == 3)
        #expect(find("secret")?["severity"] as? String == "error")
        #expect(find("secret")?["file"] as? String == "Sources/App/Config.swift")
        #expect(comments.filter { $0["rule"] as? String == "merge-marker" }.compactMap { $0["line"] as? Int } == [4, 6, 8])
        #expect(find("todo")?["line"] as? Int == 2)
        #expect(find("debug-print")?["file"] as? String == "Sources/App/Server.swift")
        #expect(find("debug-print")?["line"] as? Int == 11)
        #expect(find("long-line")?["line"] as? Int == 12)
        #expect(find("large-binary")?["file"] as? String == "assets/video.bin")
        #expect(comments.filter { $0["rule"] as? String == "untested-change" }.count == 2)
        #expect((review["summary"] as? String)?.contains("3 file(s) changed") == true)
    }

    @Test func reviewFindsLongFunctionsAndApprovesACleanTestedChange() throws {
        let body = (1...70).map { "+    total += \($0)" }.joined(separator: "\n")
        let long = "--- a/src/sum.c\n+++ b/src/sum.c\n@@ -0,0 +1,74 @@\n+int sum(void) {\n+    int total = 0;\n\(body)\n+    return total;\n"
        let review = try call("review.diff", ["diff": long + "+}\n", "max_function_lines": 60])
        let comment = try #require((review["comments"] as? [[String: Any]])?.first { $0["rule"] as? String == "long-function" })
        #expect(comment["line"] as? Int == 1)
        #expect((comment["message"] as? String)?.contains("sum() is 74 lines") == true)

        let clean = """
            --- a/src/add.py
            +++ b/src/add.py
            @@ -1,2 +1,2 @@
             def add(a, b):
            -    return a - b
            +    return a + b
            --- a/tests/test_add.py
            +++ b/tests/test_add.py
            @@ -1,2 +1,2 @@
             def test_add():
            -    assert add(1, 1) == 0
            +    assert add(1, 1) == 2

            """
        let approved = try call("review.diff", ["diff": clean])
        #expect(approved["verdict"] as? String == "approve")
        #expect((approved["comments"] as? [Any])?.isEmpty == true)
    }

    @Test func reviewRefusesWhatIsNotADiff() {
        for (diff, expected) in [("just some text", "no file changes"), ("--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n x\n", "cut short")] {
            #expect {
                try host.call("review.diff", json: String(data: try JSONSerialization.data(withJSONObject: ["diff": diff]), encoding: .utf8)!)
            } throws: { error in
                guard case AgentCallError.agentFailed(_, _, .invalidArgument, let message) = error else { return false }
                return message.contains(expected)
            }
        }
    }

    /// Runs `argv` in the workspace and returns everything it printed.
    func output(_ argv: [String]) throws -> String {
        let run = try Subprocess.run(argv, cwd: workspace.url.path)
        return run.stdout + run.stderr
    }

    func diagnose(_ text: String) throws -> [String: Any] { try call("debug.diagnose", ["output": text]) }

    func first(_ diagnosis: [String: Any]) throws -> [String: Any] {
        try #require((diagnosis["diagnostics"] as? [[String: Any]])?.first)
    }

    @Test func debugReadsCompilerErrors() throws {
        try workspace.file("bad.swift", "let a = [1]\nprint(b)\n")
        try workspace.file("bad.c", "#include <stdio.h>\nint main(void) { printf(\"%d\", x); return 0; }\n")
        try workspace.file("bad.rs", "fn main() { println!(\"{}\", x); }\n")
        var cases: [([String], String, String, Int, String)] = [
            (["swiftc", "-typecheck", "bad.swift"], "swiftc", "bad.swift", 2, "cannot find 'b' in scope"),
            (["clang", "-c", "bad.c", "-o", "/dev/null"], "clang", "bad.c", 2, "undeclared identifier 'x'"),
            (["gcc", "-c", "bad.c", "-o", "/dev/null"], "gcc", "bad.c", 2, "undeclared"),
        ]
        if (try? Subprocess.run(["rustc", "--version"]))?.status == 0 {
            cases.append((["rustc", "bad.rs", "-o", "/dev/null"], "rustc", "bad.rs", 1, "cannot find value `x`"))
        }
        for (argv, tool, file, line, message) in cases {
            let diagnosis = try diagnose(try output(argv))
            let problem = try first(diagnosis)
            #expect(problem["tool"] as? String == tool, "\(argv): \(problem)")
            #expect(problem["kind"] as? String == "error")
            #expect(problem["file"] as? String == file)
            #expect(problem["line"] as? Int == line)
            #expect((problem["message"] as? String)?.contains(message) == true, "\(problem)")
            #expect((problem["likely_cause"] as? String)?.contains("not declared") == true, "\(problem)")
            let handoff = try #require(diagnosis["handoff"] as? [String: Any])
            #expect(handoff["target"] as? String == "agenthost.code")
            #expect((handoff["context"] as? [String: String])?["path"] == file)
            #expect((handoff["context"] as? [String: String])?["around_line"] == String(line))
        }
    }

    @Test func debugReadsRuntimeFailures() throws {
        try workspace.file("crash.py", "def f(d):\n    return d[\"k\"]\n\nf({})\n")
        let python = try first(try diagnose(try output(["python3", "crash.py"])))
        #expect(python["tool"] as? String == "python")
        #expect(python["code"] as? String == "KeyError")
        #expect(python["line"] as? Int == 2)
        #expect((python["file"] as? String)?.hasSuffix("crash.py") == true)
        #expect((python["likely_cause"] as? String)?.contains("no such key") == true)

        try workspace.file("crash.swift", "let a = [1, 2]\nlet i = CommandLine.arguments.count + 5\nprint(a[i])\n")
        _ = try output(["swiftc", "-g", "crash.swift", "-o", "crash"])
        let swift = try first(try diagnose(try output([workspace.url.appendingPathComponent("crash").path])))
        #expect(swift["tool"] as? String == "swift-runtime")
        #expect(swift["message"] as? String == "Index out of range")
        #expect((swift["file"] as? String)?.hasSuffix("crash.swift") == true, "the program's own frame, not the standard library's: \(swift)")
        #expect(swift["line"] as? Int == 3)

        try workspace.file("overflow.c", "#include <stdlib.h>\nint main(void) {\n    int *p = malloc(4 * sizeof(int));\n    int v = p[4];\n    free(p);\n    return v;\n}\n")
        _ = try output(["clang", "-g", "-fsanitize=address", "overflow.c", "-o", "overflow"])
        let asan = try first(try diagnose(try output([workspace.url.appendingPathComponent("overflow").path])))
        #expect(asan["tool"] as? String == "sanitizer")
        #expect(asan["code"] as? String == "heap-buffer-overflow")
        #expect((asan["file"] as? String)?.hasSuffix("overflow.c") == true)
        #expect(asan["line"] as? Int == 4)
    }

    @Test func debugHandsTheFixToCodeWithTheFileAndLine() throws {
        try workspace.file("bad.c", "#include <stdio.h>\nint main(void) {\n    printf(\"%d\", x);\n    return 0;\n}\n")
        let compiler = try output(["clang", "-c", "bad.c", "-o", "/dev/null"])
        let store = try TaskStore(path: workspace.url.appendingPathComponent("state.sqlite").path)
        let runtime = AgentRuntime(host: host, store: store)
        let payload = try JSONSerialization.data(withJSONObject: ["output": compiler, "handoff": true])
        let outcome = try runtime.run(TaskRequest(.capability("debug.diagnose"), payload: Array(payload)))
        #expect(outcome.status == .completed, "\(outcome.error?.description ?? "")")
        // The chain ends at Code, which read the failing spot.
        let body = try #require(outcome.result)
        let result = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        #expect(result["path"] as? String == "bad.c")
        #expect((result["lines"] as? [String])?.contains("    printf(\"%d\", x);") == true)
        let tasks = try store.tasks(limit: 10)
        #expect(tasks.contains { $0.agent == "agenthost.code" && $0.origin == .handoff })
    }

    @Test func debugSaysWhenItFindsNothing() {
        #expect {
            try host.call("debug.diagnose", json: #"{"output": "everything went fine"}"#)
        } throws: { error in
            guard case AgentCallError.agentFailed(_, _, .invalidArgument, let message) = error else { return false }
            return message.contains("found no failure it knows")
        }
    }
}
