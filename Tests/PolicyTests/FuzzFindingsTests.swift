@testable import AgentHostCore
import Foundation
import Testing

/// What `Fuzz/run` found, each kept as the input that showed it (or a
/// smaller one with the same cause), so it cannot come back.
@Suite struct FuzzFindingsTests {
    /// Found by the `json` target: the byte scanner took any escape and any
    /// run of digits, dots and signs, so a reply such as `"\u*5e9"` passed
    /// the reply check as JSON that no JSON reader accepts.
    @Test(arguments: [
        #"{"c":"\u*5e9\n"}"#, #""\x""#, #""\u12""#, #""\ud800""#, #""\udc00x""#, #""\ud800\u0041""#,
        "01", "1.", ".5", "-", "1e", "1e+", "--1", "1.2.3", "+1", "0x10",
        // Found in the second run: a number past Double's range, which Foundation will not read.
        "8888E99999999999988800", "-1e309", "[1e400]",
    ])
    func theJSONScannerRefusesWhatNoJSONReaderAccepts(text: String) {
        let bytes = Array(text.utf8)
        #expect(!JSONBytes.isValid(bytes), "\(text)")
        #expect((try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) == nil, "\(text)")
    }

    /// Foundation on Linux takes a trailing comma; RFC 8259 does not, and neither does the scanner.
    @Test(arguments: ["[1,]", #"{"a":1,}"#])
    func theJSONScannerIsStricterThanFoundationWhereTheRFCIs(text: String) {
        #expect(!JSONBytes.isValid(Array(text.utf8)))
    }

    @Test(arguments: [#""\ud83d\ude00 \u00e9 \"\\\/\b\f\n\r\t""#, "-0.5e+3", "0", "-0", "1E9", "1e-400", "1.7e308", "[[],{}]",
                      #"{"a":[1,2.5,true,null]}"#])
    func theJSONScannerStillAcceptsEveryFormJSONHas(text: String) {
        #expect(JSONBytes.isValid(Array(text.utf8)), "\(text)")
    }

    /// Found by the `delegate` target: the parser reads "ACTION:  DELEGATE"
    /// (two spaces) as an action, the quick check before it looked for the
    /// exact words, so such a reply was refused as neither JSON nor DELEGATE.
    @Test func theQuickCheckSeesEveryActionTheParserSees() throws {
        for message in ["ACTION:  DELEGATE\nAGENT_TYPE: knowledge\nTASK: x\n---END---",
                        "prose\n\t ACTION: DELEGATE\nAGENT_TYPE: knowledge\nTASK: x\n---END---"] {
            #expect(try DelegateParser.parse(message).count == 1)
            #expect(DelegateParser.mayContainAction(Array(message.utf8)), "\(message)")
            #expect(ReplyCheck.problem(in: Array(message.utf8)) == nil)
        }
        // Seen while fixing it: Swift reads "\r\n" as one character, so Windows line ends hid every block.
        let windows = "Sure.\r\nACTION: DELEGATE\r\nAGENT_TYPE: knowledge\r\nTASK: find it\r\n---END---\r\n"
        #expect(try DelegateParser.parse(windows).map(\.task) == ["find it"])
    }

    /// Found by the `guardrails` target: two e-mail addresses that overlap
    /// were redacted as the first only, leaving the rest of the second; and
    /// text on both sides of a redaction could meet as a new address.
    @Test func overlappingFindingsAreRedactedWhole() throws {
        let found = try #require(Data(base64Encoded: """
            bWFtAGlpbHphZGFhbQBpaWx6YWRhQGV4Li4uLi4uLi5hZGFAZXllaWx6YWRhQGV4Li4uLi4uLi4uLkBleWFpemxhQGV4Li4uLi4uLi5hZGFAZXllaWx6YWRhQGV4Li4uLi4uLm1h\
            aWx6YWRhQGV4Li4uaWx6YWRhQGV4Li4uLkhhc2hsZS4uLm1haWwgYWRhQGV4YW1wbGUuLi1AZWF4ZXhhYUBleC4uLi4uLi4uMQ==
            """))
        // Found in the second run: a chain of addresses that each rescan uncovers one more of.
        let chain = try #require(Data(base64Encoded: """
            bWFtACBpbHphZGEueGUueGlhQGRhMWUuLi4uLnhhQC4uLml5enhpYUAxZXl6aWx6YWRhLnhhLkAuYWEueGF6YWRhLnhlLnhpYUBkYTFlLi4uLi54YUAuLi5peXp4aWFAMWV5emls\
            emFkYS54YS5ALmFhLnhhLkAuLi4ueGEuQC4uLmlsemEuQC4uLi54YS5ALi4uaWx6YWRhLi4uLi54YUAuLi5pbHphZGEueGEuQC5hemFkYS54ZS54aWFAZGExZS4uLi4ueGFALi4u\
            aXl6eGlhQDFleXppbHphZGEueGEuQC5hYS54YS5ALi4uLnhhLkAuLi5pbHphZGEuLi5kYS5tYW1kYS54YS5ALi4uLnhhLkAuLg==
            """))
        for input in [Array(found), Array(chain), Array("write ada@ex.com@example.org now".utf8)] {
            let stage = GuardrailStage(secrets: .redact, personalData: .redact)
            guard case .redacted(let redacted, _) = try stage.check(input, place: .output, agent: "a") else {
                Issue.record("expected a redaction")
                continue
            }
            let left = redacted.withUnsafeBufferPointer { SensitiveDataScanner.scan($0, secrets: true, personal: true) }
            let shown = String(decoding: redacted.map { $0 == 0 ? UInt8(ascii: "0") : $0 }, as: UTF8.self)
            #expect(left.isEmpty, "\(shown): \(left.map { String(decoding: redacted[$0.range], as: UTF8.self) })")
        }
    }
}
