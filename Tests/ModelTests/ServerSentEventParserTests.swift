import AgentHostModels
import Testing

/// The event-stream reader against the WHATWG standard's rules, fed the way a network feeds it: cut anywhere.
@Suite struct ServerSentEventParserTests {
    /// All events of `chunks`, fed one after another.
    static func events(_ chunks: [[UInt8]]) -> (events: [ServerSentEvent], parser: ServerSentEventParser) {
        var parser = ServerSentEventParser()
        var events: [ServerSentEvent] = []
        for chunk in chunks { parser.consume(chunk) { events.append($0) } }
        return (events, parser)
    }

    static func events(_ text: String) -> [ServerSentEvent] { events([Array(text.utf8)]).events }

    static let stream = "event: message_start\ndata: {\"a\":1}\n\n: keep-alive comment\n\ndata: first line\ndata: second line\n\n"
        + "data: 🌍 héllo\r\n\r\nevent: done\ndata\n\n"

    static let expected = [
        ServerSentEvent(type: "message_start", data: "{\"a\":1}"),
        ServerSentEvent(type: "message", data: "first line\nsecond line"),
        ServerSentEvent(type: "message", data: "🌍 héllo"),
        ServerSentEvent(type: "done", data: ""),
    ]

    @Test func readsTypesMultiLineDataCommentsAndEmptyData() {
        #expect(Self.events(Self.stream) == Self.expected)
    }

    @Test func everySplitGivesTheSameEvents() {
        let bytes = Array(Self.stream.utf8)
        for cut in 1..<bytes.count {
            // Includes cuts inside the four bytes of 🌍, inside é, and between CR and LF.
            let (events, parser) = Self.events([Array(bytes[..<cut]), Array(bytes[cut...])])
            #expect(events == Self.expected, "cut at byte \(cut)")
            #expect(!parser.isInsideEvent)
        }
    }

    @Test func byteByByteGivesTheSameEvents() {
        let (events, parser) = Self.events(Array(Self.stream.utf8).map { [$0] })
        #expect(events == Self.expected)
        #expect(parser.eventCount == Self.expected.count)
    }

    @Test func lineEndingsCRLFAndCRAlone() {
        let crlf = Self.events("event: a\r\ndata: 1\r\n\r\ndata: 2\r\n\r\n")
        let cr = Self.events("event: a\rdata: 1\r\rdata: 2\r\r")
        let expected = [ServerSentEvent(type: "a", data: "1"), ServerSentEvent(type: "message", data: "2")]
        #expect(crlf == expected)
        #expect(cr == expected)
        // CR, then LF in the next chunk: one line end, not a blank line.
        let split = Self.events([Array("data: x\r".utf8), Array("\ndata: y\r".utf8), Array("\n\r\n".utf8)]).events
        #expect(split == [ServerSentEvent(data: "x\ny")])
    }

    @Test func fieldValueLosesOneLeadingSpaceOnly() {
        #expect(Self.events("data:tight\n\n") == [ServerSentEvent(data: "tight")])
        #expect(Self.events("data:  two spaces\n\n") == [ServerSentEvent(data: " two spaces")])
        #expect(Self.events("data: a: b\n\n") == [ServerSentEvent(data: "a: b")])
    }

    @Test func eventWithoutDataIsNotDispatchedAndTypeResets() {
        let events = Self.events("event: lonely\n\nid: 7\ndata: after\n\n")
        #expect(events == [ServerSentEvent(type: "message", data: "after", lastEventID: "7")])
    }

    @Test func unknownFieldsAndRetryAreIgnored() {
        #expect(Self.events("retry: 1000\nfoo: bar\ndata: x\n\n") == [ServerSentEvent(data: "x")])
    }

    @Test func byteOrderMarkAtTheStartIsDropped() {
        #expect(Self.events([[0xEF, 0xBB], [0xBF] + Array("data: x\n\n".utf8)]).events == [ServerSentEvent(data: "x")])
    }

    @Test func unfinishedEventIsHeldAndNeverDispatched() {
        let (events, parser) = Self.events([Array("data: whole\n\ndata: half of it".utf8)])
        #expect(events == [ServerSentEvent(data: "whole")])
        #expect(parser.isInsideEvent)
        let (none, fieldsOnly) = Self.events([Array("data: no blank line yet\n".utf8)])
        #expect(none.isEmpty)
        #expect(fieldsOnly.isInsideEvent)
        #expect(!Self.events([Array(": only a comment\n".utf8)]).parser.isInsideEvent)
    }
}
