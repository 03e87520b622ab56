import AgentHostCore
import Testing

@Suite struct ToolSignatureTests {
    @Test(arguments: [
        ("i64(i64,i64)", "i64", ["i64", "i64"]),
        ("f64(f64)", "f64", ["f64"]),
        ("str(str)", "str", ["str"]),
        ("bool(i64)", "bool", ["i64"]),
        ("void()", nil, []),
        ("i32(i32,i64,f64,bool,str)", "i32", ["i32", "i64", "f64", "bool", "str"]),
    ] as [(String, String?, [String])])
    func parsesTheGrammar(text: String, result: String?, parameters: [String]) throws {
        let signature = try ToolSignature(parsing: text)
        #expect(signature.result?.rawValue == result)
        #expect(signature.parameters.map(\.rawValue) == parameters)
        #expect(signature.description == text)
    }

    @Test(arguments: [
        ("i64(i64, i64)", "no spaces"),
        ("i128(i64)", "unknown type 'i128'"),
        ("i64(void)", "unknown type 'void'"),
        ("i64", "expected RESULT(PARAM,...)"),
        ("(i64)", "empty type"),
        ("i64(i64,)", "empty type"),
        ("i64(i64,i64,i64,i64,i64,i64,i64,i64,i64)", "at most 8"),
    ])
    func refusesWhatTheGrammarDoesNotAllow(text: String, expected: String) {
        #expect {
            try ToolSignature(parsing: text)
        } throws: { error in
            "\(error)".contains(expected) && "\(error)".contains(text)
        }
    }
}
