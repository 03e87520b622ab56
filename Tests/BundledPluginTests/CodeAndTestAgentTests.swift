import AgentHostCore
import AgentHostTestSupport
import Foundation
import Testing

/// The Code and Test agents (Swift) in a real workspace folder, running real
/// programs: make, the C compiler, python3 and pytest, cargo, swift.
@Suite final class CodeAndTestAgentTests {
    let workspace: TemporaryFolder
    let host: AgentHost

    init() throws {
        workspace = try TemporaryFolder("workspace")
        var policy = Policy.standard
        policy.workspace = workspace.url.path
        host = AgentHost(searchPath: PackagePaths.searchPath(PackagePaths.bundledPluginFolder(target: "CodeAgent"),
                                                             PackagePaths.bundledPluginFolder(target: "TestAgent")), policy: policy)
    }

    deinit { workspace.remove() }

    func call(_ capability: String, _ input: [String: Any]) throws -> [String: Any] {
        let response = try host.call(capability, payload: Array(try JSONSerialization.data(withJSONObject: input)))
        return try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    func failure(_ capability: String, _ input: [String: Any]) -> (AgentStatus, String)? {
        do {
            _ = try call(capability, input)
            return nil
        } catch let AgentCallError.agentFailed(_, _, status, message) {
            return (status, message)
        } catch {
            return (.internalError, "\(error)")
        }
    }

    func read(_ path: String) -> String? {
        try? String(contentsOf: workspace.url.appendingPathComponent(path), encoding: .utf8)
    }

    @Test func fileOperationsStayInsideTheWorkspace() throws {
        _ = try call("code.files", ["op": "write", "path": "src/a.txt", "content": "one\ntwo\nthree\nfour\n"])
        #expect(read("src/a.txt") == "one\ntwo\nthree\nfour\n")
        let excerpt = try call("code.files", ["op": "read", "path": "src/a.txt", "around_line": 3, "context_lines": 1])
        #expect(excerpt["lines"] as? [String] == ["two", "three", "four"])
        #expect(excerpt["first_line"] as? Int == 2)
        _ = try call("code.files", ["op": "move", "path": "src/a.txt", "to": "src/b.txt"])
        let listing = try call("code.files", ["op": "list", "path": "src"])
        #expect((listing["entries"] as? [[String: Any]])?.compactMap { $0["path"] as? String } == ["b.txt"])
        _ = try call("code.files", ["op": "delete", "path": "src/b.txt"])
        #expect(read("src/b.txt") == nil)

        let outside = try TemporaryFolder("outside")
        defer { outside.remove() }
        try outside.file("secret.txt", "secret")
        try FileManager.default.createSymbolicLink(atPath: workspace.url.appendingPathComponent("link").path, withDestinationPath: outside.url.path)
        for path in [outside.url.appendingPathComponent("secret.txt").path, "../secret.txt", "link/secret.txt", "src/../../x"] {
            let refused = failure("code.files", ["op": "read", "path": path])
            #expect(refused?.0 == .denied, "\(path): \(String(describing: refused))")
            #expect(refused?.1.contains("outside what 'agenthost.code' declares") == true)
        }
        #expect(failure("code.files", ["op": "write", "path": "link/new.txt", "content": "x"])?.0 == .denied)
        #expect(!FileManager.default.fileExists(atPath: outside.url.appendingPathComponent("new.txt").path))
        #expect(failure("code.files", ["op": "chmod", "path": "x"])?.1.contains("unknown op 'chmod'") == true)
    }

    @Test func aPatchAppliesWholeOrNotAtAll() throws {
        try workspace.file("lib/a.c", "int a(void) {\n    return 1;\n}\n")
        try workspace.file("lib/b.c", "int b(void) {\n    return 2;\n}\n")
        // The hunk for a.c sits two lines lower than its header says: found with an offset.
        try workspace.file("lib/a.c", "// header\n// comment\nint a(void) {\n    return 1;\n}\n")
        let patch = """
            --- a/lib/a.c
            +++ b/lib/a.c
            @@ -1,3 +1,3 @@
             int a(void) {
            -    return 1;
            +    return 10;
             }
            --- a/lib/b.c
            +++ b/lib/b.c
            @@ -1,3 +1,3 @@
             int b(void) {
            -    return 3;
            +    return 30;
             }
            --- /dev/null
            +++ b/lib/new.h
            @@ -0,0 +1 @@
            +int a(void);

            """
        let conflict = failure("code.apply_patch", ["patch": patch])
        #expect(conflict?.0 == .invalidArgument)
        #expect(conflict?.1.contains("1 of 3 hunk(s) do not apply; no file was changed") == true, "\(String(describing: conflict))")
        #expect(conflict?.1.contains("lib/b.c hunk 1 @@ -1,3 +1,3 @@: line 2 is \"    return 2;\" where the hunk expects \"    return 3;\"") == true)
        #expect(read("lib/a.c")?.contains("return 1;") == true, "a.c would have applied, but nothing is half-done")
        #expect(read("lib/new.h") == nil)

        let dryRun = try call("code.apply_patch", ["patch": patch, "dry_run": true])
        #expect(dryRun["applied"] as? Bool == false)
        let hunks = try #require(dryRun["hunks"] as? [[String: Any]])
        #expect(hunks.map { $0["status"] as? String } == ["applied", "conflict", "applied"])
        #expect(hunks[0]["offset"] as? Int == 2)

        let fixed = patch.replacingOccurrences(of: "-    return 3;", with: "-    return 2;")
        let applied = try call("code.apply_patch", ["patch": fixed])
        #expect(applied["applied"] as? Bool == true)
        #expect(read("lib/a.c") == "// header\n// comment\nint a(void) {\n    return 10;\n}\n")
        #expect(read("lib/b.c") == "int b(void) {\n    return 30;\n}\n")
        #expect(read("lib/new.h") == "int a(void);\n")
        let again = failure("code.apply_patch", ["patch": fixed])
        #expect(again?.1.contains("creates lib/new.h, which already exists") == true)
        #expect(failure("code.apply_patch", ["patch": "@@ -1 +1 @@\n-x\n+y\n"])?.1.contains("a hunk before any file header") == true)
        #expect(failure("code.apply_patch", ["patch": "--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n-x\n"])?.1.contains("cut short") == true)
    }

    @Test func runRunsDeclaredCommandsOnly() throws {
        let listed = try call("code.run", ["command": ["python3", "-c", "print('hi from the workspace')"]])
        #expect(listed["exit_code"] as? Int == 0)
        #expect((listed["stdout"] as? String) == "hi from the workspace\n")
        let failing = failure("code.run", ["command": "python3 -c 'raise SystemExit(3)'"])
        #expect(failing?.1.contains("exited with 3") == true)
        let undeclared = failure("code.run", ["command": ["bash", "-c", "echo no"]])
        #expect(undeclared?.0 == .denied)
        #expect(undeclared?.1.contains("run_command 'bash' refused") == true)
        let unchecked = try call("code.run", ["command": ["python3", "-c", "import sys; sys.exit(2)"], "check": false])
        #expect(unchecked["exit_code"] as? Int == 2)
    }

    @Test func scaffoldsACPackageThatBuildsAndPassesItsTests() throws {
        let made = try call("code.scaffold", ["language": "c", "name": "ringbuf"])
        #expect(made["build"] as? [String] == ["make"])
        #expect((made["diff"] as? String)?.contains("+++ b/ringbuf/src/ringbuf.c") == true)
        _ = try call("code.run", ["command": made["build"] as Any, "cwd": "ringbuf"])
        let tested = try call("code.run", ["command": made["test"] as Any, "cwd": "ringbuf"])
        #expect((tested["stdout"] as? String)?.contains("all checks passed") == true)
        #expect(failure("code.scaffold", ["language": "c", "name": "ringbuf"])?.1.contains("already exists") == true)
        #expect(failure("code.scaffold", ["language": "cobol", "name": "x"])?.1.contains("no template for 'cobol'") == true)
        #expect(failure("code.scaffold", ["language": "c", "name": "Bad-Name"])?.1.contains("must be lowercase") == true)
    }

    @Test func scaffoldsAPythonPackageAndTestReadsPytest() throws {
        let made = try call("code.scaffold", ["language": "python", "name": "calc"])
        _ = try call("code.run", ["command": made["build"] as Any, "cwd": "calc"])
        let passing = try call("test.run", ["command": made["test"] as Any, "cwd": "calc"])
        #expect(passing["runner"] as? String == "pytest")
        #expect(passing["passed"] as? Int == 2)
        #expect(passing["failed"] as? Int == 0)

        // A failing and a skipped test: real pytest output, read into names, messages and locations.
        try workspace.file("calc/tests/test_more.py", """
            import pytest
            from calc import add

            def test_wrong():
                assert add(1, 2) == 4, "one and two"

            @pytest.mark.skip(reason="not ready")
            def test_later():
                pass
            """)
        let results = try call("test.run", ["command": made["test"] as Any, "cwd": "calc"])
        #expect(results["passed"] as? Int == 2)
        #expect(results["failed"] as? Int == 1)
        #expect(results["skipped"] as? Int == 1)
        #expect(results["exit_code"] as? Int == 1)
        let failure = try #require((results["failures"] as? [[String: Any]])?.first)
        #expect(failure["name"] as? String == "tests/test_more.py::test_wrong")
        #expect(failure["file"] as? String == "tests/test_more.py")
        #expect(failure["line"] as? Int == 5)
        #expect((failure["message"] as? String)?.contains("one and two") == true)
    }

    @Test func testReadsCargoAndGoOutput() throws {
        try workspace.file("calc-rs/Cargo.toml", "[package]\nname = \"calc\"\nversion = \"0.1.0\"\nedition = \"2021\"\n")
        try workspace.file("calc-rs/src/lib.rs", """
            pub fn add(a: i32, b: i32) -> i32 { a + b }
            #[cfg(test)]
            mod tests {
                use super::*;
                #[test] fn adds() { assert_eq!(add(1, 2), 3); }
                #[test] fn fails() { assert_eq!(add(1, 2), 4, "one and two"); }
                #[test] #[ignore] fn later() {}
            }
            """)
        if (try? Subprocess.run(["cargo", "--version"]))?.status == 0 {
            let cargo = try call("test.run", ["command": ["cargo", "test", "--offline"], "cwd": "calc-rs"])
            #expect(cargo["runner"] as? String == "cargo")
            #expect([cargo["passed"], cargo["failed"], cargo["skipped"]].map { $0 as? Int } == [1, 1, 1])
            let failure = try #require((cargo["failures"] as? [[String: Any]])?.first)
            #expect(failure["name"] as? String == "tests::fails")
            #expect(failure["file"] as? String == "src/lib.rs")
            #expect(failure["line"] as? Int == 6)
            #expect((failure["message"] as? String)?.contains("one and two") == true)
        }
        // go: generated where go is installed, else the output captured from go 1.19 and checked in.
        var outputs: [String] = []
        if (try? Subprocess.run(["go", "version"]))?.status == 0 {
            try workspace.file("calc-go/go.mod", "module example.com/calc\n\ngo 1.19\n")
            try workspace.file("calc-go/calc_test.go", """
                package calc

                import "testing"

                func TestAdds(t *testing.T) {}

                func TestFails(t *testing.T) {
                \tt.Errorf("Add(1, 2) = %d, want 4", 3)
                }

                func TestSkips(t *testing.T) {
                \tt.Skip("not ready")
                }
                """)
            let environment = ["GOCACHE": workspace.url.appendingPathComponent(".gocache").path, "GOFLAGS": "-mod=mod"]
            for arguments in [["go", "test", "-v", "./..."], ["go", "test", "./..."]] {
                let run = try Subprocess.run(arguments, cwd: workspace.url.appendingPathComponent("calc-go").path,
                                             environment: ProcessInfo.processInfo.environment.merging(environment) { $1 })
                outputs.append(run.stdout + run.stderr)
            }
        } else {
            let fixtures = PackagePaths.root.appendingPathComponent("Tests/Fixtures/runner-output")
            outputs = try ["go-test-v.txt", "go-test.txt"].map { try String(contentsOf: fixtures.appendingPathComponent($0), encoding: .utf8) }
        }
        let verbose = try call("test.parse", ["output": outputs[0]])
        #expect(verbose["runner"] as? String == "go")
        #expect([verbose["passed"], verbose["failed"], verbose["skipped"]].map { $0 as? Int } == [1, 1, 1])
        let failure = try #require((verbose["failures"] as? [[String: Any]])?.first)
        #expect(failure["name"] as? String == "TestFails")
        #expect(failure["file"] as? String == "calc_test.go")
        #expect((failure["message"] as? String)?.contains("want 4") == true)
        let quiet = try call("test.parse", ["output": outputs[1], "runner": "go"])
        #expect(quiet["failed"] as? Int == 1)
        #expect((quiet["failures"] as? [[String: Any]])?.first?["file"] as? String == "calc_test.go")
    }

    @Test func outputFromNoKnownRunnerIsRefused() throws {
        let unknown = failure("test.parse", ["output": "all good, 3 things checked\n"])
        #expect(unknown?.0 == .invalidArgument)
        #expect(unknown?.1.contains("not from a known runner") == true)
        let ranButUnknown = failure("test.run", ["command": ["python3", "-c", "print('checked 3 things')"]])
        #expect(ranButUnknown?.1.contains("not from a known runner") == true)
        #expect(failure("test.parse", ["output": "x", "runner": "jest"])?.1.contains("unknown runner 'jest'") == true)
        #expect(failure("test.run", ["command": ["bash", "-c", "true"]])?.0 == .denied)
    }

    @Test func scaffoldsASwiftPackageThatBuildsAndTestReadsXCTestAndSwiftTesting() throws {
        let made = try call("code.scaffold", ["language": "swift", "name": "ring_math"])
        #expect(made["path"] as? String == "ring_math")
        let passing = try call("test.run", ["command": made["test"] as Any, "cwd": "ring_math"])
        #expect(passing["runner"] as? String == "swift")
        #expect(passing["passed"] as? Int == 2, "\(passing)")
        #expect(passing["failed"] as? Int == 0)
        // Add a failing XCTest and a failing Swift Testing test through a patch, and read the real output.
        let patch = """
            --- /dev/null
            +++ b/ring_math/Tests/RingMathTests/LegacyTests.swift
            @@ -0,0 +1,7 @@
            +import XCTest
            +@testable import RingMath
            +
            +final class LegacyTests: XCTestCase {
            +    func testOverflowIsNil() { XCTAssertEqual(add(1, 1), 3, "one and one") }
            +    func testSkipped() throws { throw XCTSkip("later") }
            +}
            --- a/ring_math/Tests/RingMathTests/RingMathTests.swift
            +++ b/ring_math/Tests/RingMathTests/RingMathTests.swift
            @@ -7,2 +7,6 @@
             @Test func reportsOverflow() {
                 #expect(add(Int.max, 1) == nil)
            +}
            +
            +@Test func wrongOnPurpose() {
            +    #expect(add(2, 2) == 5)

            """
        _ = try call("code.apply_patch", ["patch": patch])
        let results = try call("test.run", ["command": made["test"] as Any, "cwd": "ring_math"])
        #expect(results["failed"] as? Int == 2, "\(results)")
        #expect(results["skipped"] as? Int == 1)
        #expect(results["passed"] as? Int == 2)
        let failures = try #require(results["failures"] as? [[String: Any]])
        let xctest = try #require(failures.first { $0["name"] as? String == "LegacyTests.testOverflowIsNil" })
        #expect((xctest["file"] as? String)?.hasSuffix("Tests/RingMathTests/LegacyTests.swift") == true)
        #expect(xctest["line"] as? Int == 5)
        #expect((xctest["message"] as? String)?.contains("one and one") == true)
        let swiftTesting = try #require(failures.first { $0["name"] as? String == "wrongOnPurpose()" })
        #expect((swiftTesting["file"] as? String)?.hasSuffix("RingMathTests.swift") == true)
        #expect(swiftTesting["line"] as? Int == 13)
    }
}
