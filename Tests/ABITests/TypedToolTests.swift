import AgentHostCore
import AgentHostTestSupport
import Testing

/// Typed tools are called through libffi from their declared signatures: in
/// this process, or in an isolated plugin's child.
@Suite final class TypedToolTests {
    var hosts: [IsolationMode: AgentHost] = [:]
    var folders: [TemporaryFolder] = []

    init() throws {
        for mode in IsolationMode.allCases {
            let (registry, folder) = try load(FixturePlugin(id: "test.tools-fixture"), isolation: mode)
            hosts[mode] = AgentHost(registry: registry)
            folders.append(folder)
        }
    }

    deinit { folders.forEach { $0.remove() } }

    func call(_ mode: IsolationMode, _ name: String, _ arguments: [ToolValue], in state: AgentState = .executing) throws -> ToolValue {
        try hosts[mode]!.tool(name, of: "test.tools-fixture").call(arguments, in: state)
    }

    @Test(arguments: IsolationMode.allCases) func callsEverySupportedShape(_ mode: IsolationMode) throws {
        #expect(try call(mode, "add", [.i64(40), .i64(2)]) == .i64(42))
        #expect(try call(mode, "add", [.i64(Int64.max - 1), .i64(1)]) == .i64(Int64.max))
        #expect(try call(mode, "half", [.f64(5)]) == .f64(2.5))
        #expect(try call(mode, "shout", [.str("héllo")]) == .str("HéLLO!"))
        #expect(try call(mode, "is_even", [.i64(10)]) == .bool(true))
        #expect(try call(mode, "is_even", [.i64(7)]) == .bool(false))
        #expect(try call(mode, "negate", [.i32(-17)]) == .i32(17))
        #expect(try call(mode, "mix", [.i32(1), .i64(2), .f64(0.5), .bool(true), .str("abcd")]) == .f64(1007.5))
        #expect(try call(mode, "touch", []) == .void)
    }

    @Test(arguments: IsolationMode.allCases) func aToolMaskedInTheAgentsStateIsNotCalled(_ mode: IsolationMode) throws {
        #expect(throws: ToolCallError.masked(tool: "planning_only", state: .executing, allowed: AgentStateSet(.planning))) {
            try call(mode, "planning_only", [.i64(3)], in: .executing)
        }
        #expect(try call(mode, "planning_only", [.i64(3)], in: .planning) == .i64(30))
    }

    @Test(arguments: IsolationMode.allCases) func argumentsThatDoNotMatchTheSignatureAreRefused(_ mode: IsolationMode) throws {
        #expect(throws: ToolCallError.argumentCount(tool: "add", expected: 2, got: 1)) { try call(mode, "add", [.i64(1)]) }
        #expect(throws: ToolCallError.argumentType(tool: "half", index: 0, expected: .f64, got: "str")) { try call(mode, "half", [.str("x")]) }
        #expect(throws: ToolCallError.embeddedNUL(tool: "shout", index: 0)) { try call(mode, "shout", [.str("a\u{0}b")]) }
    }

    @Test(arguments: IsolationMode.allCases) func aNullStringResultIsAnError(_ mode: IsolationMode) throws {
        #expect(throws: ToolCallError.nullResult(tool: "null_string")) { try call(mode, "null_string", [.str("x")]) }
    }

    @Test(arguments: IsolationMode.allCases) func anUnknownToolNamesTheOnesThatExist(_ mode: IsolationMode) throws {
        #expect {
            try hosts[mode]!.tool("nope", of: "test.tools-fixture")
        } throws: { error in
            "\(error)".contains("has no tool 'nope'") && "\(error)".contains("add")
        }
    }
}
