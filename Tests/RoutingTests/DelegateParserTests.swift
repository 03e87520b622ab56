import AgentHostCore
import Testing

@Suite struct DelegateParserTests {
    @Test func parsesSeveralBlocksAndIgnoresProse() throws {
        let message = """
            I will split this up.
            ACTION: DELEGATE
            AGENT_TYPE: knowledge
            TASK: find what the notes say about BM25
            ---END---
            Then:
            ACTION: DELEGATE
            AGENT_TYPE: planner
            TASK: plan the release
              and tell me the steps
            ---END---
            """
        let actions = try DelegateParser.parse(message)
        #expect(actions == [
            DelegateAction(agentType: "knowledge", task: "find what the notes say about BM25", line: 2, agentTypeLine: 3, taskLine: 4),
            DelegateAction(agentType: "planner", task: "plan the release\n  and tell me the steps", line: 7, agentTypeLine: 8, taskLine: 9),
        ])
    }

    @Test(arguments: [
        ("ACTION: DELEGATE\nTASK: x\n---END---", 3, "no AGENT_TYPE"),
        ("ACTION: DELEGATE\nAGENT_TYPE: knowledge\n---END---", 3, "no TASK"),
        ("ACTION: DELEGATE\nAGENT_TYPE: knowledge\nTASK:   \n---END---", 3, "an empty TASK"),
        ("ACTION: DELEGATE\nAGENT_TYPE: knowledge\nTASK: x", 1, "never closed"),
        ("ACTION: DELEGATE\nAGENT_TYPE: knowledge\nTASK: x\nACTION: DELEGATE", 1, "not closed"),
        ("ACTION: DELEGATE\nAGENT_TYPE: a\nAGENT_TYPE: b\nTASK: x\n---END---", 3, "AGENT_TYPE given twice"),
        ("ACTION: DELEGATE\nAGENT: knowledge\nTASK: x\n---END---", 2, "unknown field 'AGENT'"),
        ("ACTION: DELEGATE\nAGENT_TYPE: two words\nTASK: x\n---END---", 2, "must be one word"),
        ("ACTION: DELEGATE\nsomething else\n---END---", 2, "expected AGENT_TYPE: or TASK:"),
        ("ACTION: DISPATCH\nAGENT_TYPE: knowledge\nTASK: x\n---END---", 1, "unknown action 'DISPATCH'"),
        ("text\n---END---", 2, "without an ACTION"),
    ])
    func refusesMalformedBlocksWithTheLine(message: String, line: Int, problem: String) {
        #expect {
            try DelegateParser.parse(message)
        } throws: { error in
            guard let error = error as? DelegateParseError else { return false }
            return error.line == line && error.problem.contains(problem) && error.description.contains("line \(line)")
        }
    }

    @Test func aMessageWithoutBlocksHasNoActions() throws {
        #expect(try DelegateParser.parse("just prose, no actions").isEmpty)
    }
}
