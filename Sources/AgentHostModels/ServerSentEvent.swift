/// One event of a `text/event-stream`, as the WHATWG HTML standard's
/// "dispatch the event" step makes it: both providers stream their answers so.
public struct ServerSentEvent: Sendable, Hashable {
    /// The `event:` field, or "message" when the event named none.
    public var type: String
    /// The `data:` lines, joined with "\n".
    public var data: String
    /// The last `id:` seen so far in the stream, if any.
    public var lastEventID: String?

    public init(type: String = "message", data: String, lastEventID: String? = nil) {
        self.type = type
        self.data = data
        self.lastEventID = lastEventID
    }
}
