import AgentHostCore
import AgentHostTestSupport
import Testing

/// Typed tools are called through libffi from their declared signatures.
@Suite final class TypedToolTests {
    let host: AgentHost
    let folder: TemporaryFolder

    init() throws {
        let (registry, folder) = try load(FixturePlugin(id: "test.tools-fixture"))
        self.host = AgentHost(registry: registry)
        self.folder = folder
    }

    deinit { folder.remove() }

    func call(_ name: String, _ arguments: [ToolValue], in state: AgentState = .executing) throws -> ToolValue {
        try host.tool(name, of: "test.tools-fixture").call(arguments, in: state)
    }

    @Test func callsEverySupportedShape() throws {
        #expect(try call("add", [.i64(40), .i64(2)]) == .i64(42))
        #expect(try call("add", [.i64(Int64.max - 1), .i64(1)]) == .i64(Int64.max))
        #expect(try call("half", [.f64(5)]) == .f64(2.5))
        #expect(try call("shout", [.str("héllo")]) == .str("HéLLO!"))
        #expect(try call("is_even", [.i64(10)]) == .bool(true))
        #expect(try call("is_even", [.i64(7)]) == .bool(false))
        #expect(try call("negate", [.i32(-17)]) == .i32(17))
        #expect(try call("mix", [.i32(1), .i64(2), .f64(0.5), .bool(true), .str("abcd")]) == .f64(1007.5))
        #expect(try call("touch", []) == .void)
    }

    @Test func aToolMaskedInTheAgentsStateIsNotCalled() throws {
        #expect(throws: ToolCallError.masked(tool: "planning_only", state: .executing, allowed: AgentStateSet(.planning))) {
            try call("planning_only", [.i64(3)], in: .executing)
        }
        #expect(try call("planning_only", [.i64(3)], in: .planning) == .i64(30))
    }

    @Test func argumentsThatDoNotMatchTheSignatureAreRefused() throws {
        #expect(throws: ToolCallError.argumentCount(tool: "add", expected: 2, got: 1)) { try call("add", [.i64(1)]) }
        #expect(throws: ToolCallError.argumentType(tool: "half", index: 0, expected: .f64, got: "str")) { try call("half", [.str("x")]) }
        #expect(throws: ToolCallError.embeddedNUL(tool: "shout", index: 0)) { try call("shout", [.str("a\u{0}b")]) }
    }

    @Test func aNullStringResultIsAnError() {
        #expect(throws: ToolCallError.nullResult(tool: "null_string")) { try call("null_string", [.str("x")]) }
    }

    @Test func anUnknownToolNamesTheOnesThatExist() {
        #expect {
            try host.tool("nope", of: "test.tools-fixture")
        } throws: { error in
            "\(error)".contains("has no tool 'nope'") && "\(error)".contains("add")
        }
    }
}
