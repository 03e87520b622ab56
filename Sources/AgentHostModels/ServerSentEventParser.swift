/// Reads a `text/event-stream` incrementally, as the WHATWG HTML standard's
/// "interpreting an event stream" says: lines end in LF, CRLF or CR; `data:`
/// lines are joined with LF; `event:` names the type; a line starting with
/// `:` is a comment; a blank line dispatches the event. The network hands
/// over bytes cut anywhere (inside a line, between CR and LF, inside a UTF-8
/// character), so a partial line is kept until its end arrives and only whole
/// lines are decoded.
public struct ServerSentEventParser: Sendable {
    private static let lineFeed = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")

    /// The bytes of a line whose end has not arrived yet.
    private var partialLine: [UInt8] = []
    /// The last line ended in CR: an LF that comes next is the rest of a CRLF.
    private var afterCarriageReturn = false
    /// No line has been read yet (a byte-order mark may open the stream).
    private var atStreamStart = true
    private var fields = PendingEvent()
    /// Events dispatched so far.
    public private(set) var eventCount = 0

    public init() {}

    /// Whether the stream, if it ended now, would end inside an event: a
    /// line or fields that no blank line has dispatched yet. Such an event is
    /// never dispatched (the standard discards it at the end of the stream).
    public var isInsideEvent: Bool { !partialLine.isEmpty || fields.hasFields }

    /// Reads the next bytes of the stream, calling `dispatch` for each event they complete, in order.
    public mutating func consume<Bytes: Sequence<UInt8>>(_ bytes: Bytes, _ dispatch: (ServerSentEvent) throws -> Void) rethrows {
        if let done = try bytes.withContiguousStorageIfAvailable({ buffer in try consume(buffer: buffer, dispatch) }) {
            return done
        }
        try Array(bytes).withUnsafeBufferPointer { buffer in try consume(buffer: buffer, dispatch) }
    }

    private mutating func consume(buffer: UnsafeBufferPointer<UInt8>, _ dispatch: (ServerSentEvent) throws -> Void) rethrows {
        var lineStart = 0
        var index = 0
        while index < buffer.count {
            let byte = buffer[index]
            if afterCarriageReturn {
                afterCarriageReturn = false
                if byte == Self.lineFeed {
                    index += 1
                    lineStart = index
                    continue
                }
            }
            if byte == Self.lineFeed || byte == Self.carriageReturn {
                let rest = UnsafeBufferPointer(rebasing: buffer[lineStart..<index])
                if partialLine.isEmpty {
                    try take(line: rest, dispatch)
                } else {
                    // Moved out while read, so that `take` may change `self`; its capacity is kept for the next one.
                    var line: [UInt8] = []
                    swap(&line, &partialLine)
                    line.append(contentsOf: rest)
                    try line.withUnsafeBufferPointer { line in try take(line: line, dispatch) }
                    line.removeAll(keepingCapacity: true)
                    swap(&line, &partialLine)
                }
                afterCarriageReturn = byte == Self.carriageReturn
                lineStart = index + 1
            }
            index += 1
        }
        if lineStart < buffer.count { partialLine.append(contentsOf: buffer[lineStart...]) }
    }

    private mutating func take(line whole: UnsafeBufferPointer<UInt8>, _ dispatch: (ServerSentEvent) throws -> Void) rethrows {
        var line = whole
        if atStreamStart {
            atStreamStart = false
            if line.starts(with: [0xEF, 0xBB, 0xBF]) { line = UnsafeBufferPointer(rebasing: line[3...]) }
        }
        if line.isEmpty {
            if let event = fields.dispatch() {
                eventCount += 1
                try dispatch(event)
            }
            return
        }
        fields.take(line: line)
    }

    /// The fields of the event being read, until a blank line dispatches it.
    private struct PendingEvent: Sendable {
        /// The data buffer: each `data:` value followed by LF.
        var data: [UInt8] = []
        var type: String?
        var lastEventID: String?
        /// A field line (not a comment) came since the last dispatch.
        var hasFields = false

        mutating func take(line: UnsafeBufferPointer<UInt8>) {
            if line[0] == UInt8(ascii: ":") { return }  // a comment
            let field: UnsafeBufferPointer<UInt8>
            var value: UnsafeBufferPointer<UInt8>
            if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
                field = UnsafeBufferPointer(rebasing: line[..<colon])
                value = UnsafeBufferPointer(rebasing: line[(colon + 1)...])
                if value.first == UInt8(ascii: " ") { value = UnsafeBufferPointer(rebasing: value[1...]) }
            } else {
                field = line
                value = UnsafeBufferPointer(rebasing: line[line.endIndex...])
            }
            hasFields = true
            if field.elementsEqual("data".utf8) {
                data.append(contentsOf: value)
                data.append(UInt8(ascii: "\n"))
            } else if field.elementsEqual("event".utf8) {
                type = String(decoding: value, as: UTF8.self)
            } else if field.elementsEqual("id".utf8) {
                if !value.contains(0) { lastEventID = String(decoding: value, as: UTF8.self) }
            }
            // `retry:` sets the reconnection time of a browser's EventSource; a model call never reconnects.
        }

        /// The event the fields make, if its data buffer is not empty; the fields are reset either way (the last id stays).
        mutating func dispatch() -> ServerSentEvent? {
            defer {
                data.removeAll(keepingCapacity: true)
                type = nil
                hasFields = false
            }
            guard !data.isEmpty else { return nil }
            let text = data.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0.dropLast()), as: UTF8.self) }
            return ServerSentEvent(type: type.flatMap { $0.isEmpty ? nil : $0 } ?? "message", data: text, lastEventID: lastEventID)
        }
    }
}
