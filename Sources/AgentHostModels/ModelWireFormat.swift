import AgentHostCore
import Foundation

/// A provider's wire format: how a request is written and how its answer,
/// whole or streamed, is read. `HTTPModelProvider` is generic over it, so
/// each format's code is specialised in place rather than called through a
/// protocol witness per event.
protocol ModelWireFormat {
    associatedtype StreamDecoder: ModelStreamDecoding

    static func request(for request: ModelRequest, endpoint: ModelEndpoint, key: String?) -> ModelWireRequest
    /// Reads a whole (not streamed) JSON answer.
    static func completion(fromAnswer body: [UInt8]) throws(ModelWireProblem) -> ModelCompletion
}

/// Reads one streamed answer event by event, emitting `ModelEvent`s as soon
/// as each is known, and keeps what the completion needs.
protocol ModelStreamDecoding {
    init()
    /// Reads the next event; true when it was the stream's last (`[DONE]`, `message_stop`).
    mutating func take(_ event: ServerSentEvent, emit: (ModelEvent) -> Void) throws(ModelWireProblem) -> Bool
    /// Whether the answer is complete if the stream ends now.
    var mayEnd: Bool { get }
    /// What the stream still lacked when it ended early, for `ModelError.streamCut`.
    var missing: String { get }
    /// Emits what waits for the end (tool calls not yet reported, usage) and gives the whole answer.
    mutating func finish(emit: (ModelEvent) -> Void) -> ModelCompletion
}

extension ModelWireFormat {
    /// The endpoint's base URL without a trailing slash, and `path` after it.
    static func url(_ endpoint: ModelEndpoint, _ path: String) -> String {
        var base = endpoint.baseURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        return base + path
    }

    /// Reads `T` from `bytes`, or names what was wrong with them: `what` says which answer or event it was.
    static func decode<T: WireDecodable>(_ type: T.Type, from bytes: [UInt8], what: String) throws(ModelWireProblem) -> T {
        let value: JSONValue
        do throws(JSONValueError) {
            value = try JSONValue(parsing: bytes)
        } catch {
            throw .malformed("\(what) is not JSON: \(ModelWireProblem.excerpt(bytes))")
        }
        do throws(WireFieldProblem) {
            return try T(WireObject(value, path: ""))
        } catch {
            throw .malformed("\(what) has \(error.description): \(ModelWireProblem.excerpt(bytes))")
        }
    }
}
