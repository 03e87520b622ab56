import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A small HTTP/1.1 server on 127.0.0.1 (a port the system picks) for tests
/// of the Browser agent: it reads one request per connection, hands it to
/// `respond`, writes the answer and closes. Nothing leaves loopback.
public final class LoopbackHTTPServer: Sendable {

    public struct Request: Sendable {
        public var method: String
        /// The path with its query, as sent.
        public var target: String
        public var headers: [String: String]
        public var body: String

        public var path: String { String(target.split(separator: "?", maxSplits: 1).first ?? "") }
        public var query: String { target.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) ?? "" }
    }

    public struct Response: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: [UInt8]
        /// Waits this long before answering (to test timeouts).
        public var delay: Double
        /// Sends only this many bytes of the body (its full length announced), then closes: a download cut short.
        public var cutAfter: Int?

        public init(status: Int = 200, headers: [String: String] = ["Content-Type": "text/html; charset=utf-8"], body: [UInt8], delay: Double = 0,
                    cutAfter: Int? = nil) {
            self.status = status
            self.headers = headers
            self.body = body
            self.delay = delay
            self.cutAfter = cutAfter
        }

        public static func html(_ text: String, status: Int = 200) -> Response { Response(status: status, body: Array(text.utf8)) }

        public static func redirect(_ location: String, status: Int = 302) -> Response {
            Response(status: status, headers: ["Location": location, "Content-Type": "text/plain"], body: Array("moved".utf8))
        }
    }

    public var port: UInt16 { listener.port }
    private let listener: LoopbackListener
    private let respond: @Sendable (Request) -> Response

    public var base: String { "http://127.0.0.1:\(port)" }

    public init(_ respond: @escaping @Sendable (Request) -> Response) throws {
        self.respond = respond
        listener = try LoopbackListener()
        listener.start { [self] connection, _ in serve(connection) }
    }

    public func stop() { listener.stop() }

    /// One request, one answer, then the listener closes the connection.
    private func serve(_ client: Int32) {
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        guard let raw = LoopbackListener.readRequest(client, pending: &pending, buffer: &buffer) else { return }
        let request = Request(method: raw.method, target: raw.target, headers: raw.headers, body: String(decoding: raw.body, as: UTF8.self))
        let response = respond(request)
        if response.delay > 0 { Thread.sleep(forTimeInterval: response.delay) }
        var head = "HTTP/1.1 \(response.status) \(response.status == 200 ? "OK" : "Status")\r\n"
        for (name, value) in response.headers { head += "\(name): \(value)\r\n" }
        head += "Content-Length: \(response.body.count)\r\nConnection: close\r\n\r\n"
        _ = LoopbackListener.send(Array(head.utf8) + response.body.prefix(response.cutAfter ?? response.body.count), to: client)
    }
}
