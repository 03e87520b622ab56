import AgentHostCore
import Testing

/// AgentJSON's parser, which the host and AgentPluginKit both read JSON
/// with: what it builds from every form JSON has, and what it refuses.
@Suite struct JSONValueParsingTests {
    @Test func everyFormBuildsTheValueItSpells() throws {
        let text = #" {"s": "a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00 x", "n": [0, -0, 12, -7, 2.5, -0.5e+3, 1E9, 123456789012345678, 1e-400],"#
            + #" "t": true, "f": false, "z": null, "o": {}, "a": [], "deep": [[{"k": [1]}]]} "#
        let value = try JSONValue(parsing: Array(text.utf8))
        #expect(value["s"] == .string("a\"b\\c/d\u{8}\u{c}\n\r\t\u{e9}\u{1F600} x"))
        #expect(value["n"] == .array([.number(0), .number(0), .number(12), .number(-7), .number(2.5), .number(-500), .number(1e9),
                                      .number(123456789012345678), .number(0)]))
        #expect(value["t"] == .bool(true))
        #expect(value["f"] == .bool(false))
        #expect(value["z"] == .null)
        #expect(value["o"] == .object([:]))
        #expect(value["a"] == .array([]))
        #expect(value["deep"] == .array([.array([.object(["k": .array([.number(1)])])])]))
    }

    @Test func aScalarAloneIsAValue() throws {
        #expect(try JSONValue(parsing: Array("42".utf8)) == .number(42))
        #expect(try JSONValue(parsing: Array(#""x""#.utf8)) == .string("x"))
        #expect(try JSONValue(parsing: Array(" null ".utf8)) == .null)
    }

    @Test func aKeyGivenTwiceKeepsItsLastValue() throws {
        #expect(try JSONValue(parsing: Array(#"{"a": 1, "a": 2}"#.utf8)) == .object(["a": .number(2)]))
    }

    @Test func whatIsWrittenReadsBackTheSame() throws {
        let value = JSONValue.object(["text": .string("line\none \"quoted\" \u{1} é 😀"), "list": .array([.number(1.25), .bool(true), .null])])
        #expect(try JSONValue(parsing: value.canonicalBytes) == value)
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("text")
        writer.string("tab\there")
        writer.key("schema")
        writer.value(value)
        writer.endObject()
        #expect(try JSONValue(parsing: writer.bytes) == .object(["text": .string("tab\there"), "schema": value]))
    }

    @Test(arguments: ["", " ", "[1,]", #"{"a":1,}"#, "{'a': 1}", "[1] x", "01", "1.", ".5", "+1", "tru", "nul", #""\x""#,
                      #""\ud800""#, #""\udc00""#, "\"a\tb\"", "1e400",
                      String(repeating: "[", count: 600) + String(repeating: "]", count: 600)])
    func whatIsNotJSONIsRefused(text: String) {
        #expect(throws: JSONValueError.self) { try JSONValue(parsing: Array(text.utf8)) }
    }

    @Test func aStringThatIsNotUTF8IsRefusedWithItsOffset() {
        let bytes: [UInt8] = Array(#"{"a": ""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        #expect(JSONBytes.isValid(bytes))  // the scanner reads bytes, not characters
        do {
            _ = try JSONValue(parsing: bytes)
            Issue.record("invalid UTF-8 was read")
        } catch {
            #expect(error.problem.contains("not valid UTF-8"))
        }
    }
}
