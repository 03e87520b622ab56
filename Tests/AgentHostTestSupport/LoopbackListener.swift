import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A listening socket on 127.0.0.1 (a port the system picks) that hands
/// each accepted connection, numbered from 0, to `serve` on a thread of its
/// own, and the HTTP/1.1 request reading the test servers share. POSIX
/// sockets only, so a benchmark executable can use it too; nothing leaves
/// loopback.
final class LoopbackListener: @unchecked Sendable {
    // @unchecked: `socket` and `port` are set before the accept thread starts;
    // everything that changes afterwards is under `lock`.

    /// A request as it came off the connection: head and Content-Length body.
    struct RawRequest {
        var method: String
        var target: String
        /// Names lowercased; a header sent twice has its values joined with ", ".
        var headers: [String: String]
        var body: [UInt8]
        /// When its last byte was read.
        var receivedAt: ContinuousClock.Instant
    }

    let port: UInt16
    private let socket: Int32
    private let lock = NSLock()
    private var running = true
    private var open: Set<Int32> = []
    private var accepted = 0

    /// Binds and listens; connections wait until `start(_:)`.
    init() throws {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw POSIXError(.EMFILE) }
        var yes: Int32 = 1
        setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(socket, 64) == 0 else {
            close(socket)
            throw POSIXError(.EADDRINUSE)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        port = UInt16(bigEndian: address.sin_port)
        self.socket = socket
    }

    /// Accepts connections from now on: `serve` owns the connection it is given until it returns; the listener closes it then.
    func start(_ serve: @escaping @Sendable (_ connection: Int32, _ number: Int) -> Void) {
        Thread { [self] in acceptLoop(serve) }.start()
    }

    /// Connections accepted so far.
    var connectionCount: Int { lock.withLock { accepted } }

    var isRunning: Bool { lock.withLock { running } }

    /// Stops accepting and ends every open connection. Connection threads close their own sockets, so no
    /// descriptor is closed while another thread may still use its number.
    func stop() {
        lock.withLock {
            running = false
            for connection in open { shutdown(connection, Int32(SHUT_RDWR)) }
        }
        shutdown(socket, Int32(SHUT_RDWR))
    }

    private func acceptLoop(_ serve: @escaping @Sendable (Int32, Int) -> Void) {
        defer { close(socket) }
        while isRunning {
            let client = accept(socket, nil, nil)
            guard client >= 0 else { if isRunning { continue } else { return } }
            var yes: Int32 = 1
            // Each write goes out when written, as a real server's do, not when Nagle's algorithm sees fit.
            setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
            let number: Int? = lock.withLock {
                guard running else { return nil }
                open.insert(client)
                accepted += 1
                return accepted - 1
            }
            guard let number else {
                close(client)
                return
            }
            Thread { [self] in
                serve(client, number)
                lock.withLock { _ = open.remove(client) }
                close(client)
            }.start()
        }
    }

    /// The next whole request on `client` (head and Content-Length body), or nil when the client closed it
    /// or sent no request line. `pending` keeps what was read past it, for the next request of a kept-alive connection.
    static func readRequest(_ client: Int32, pending: inout [UInt8], buffer: inout [UInt8]) -> RawRequest? {
        var headEnd: Int?
        var contentLength = 0
        var searched = 0
        while true {
            if headEnd == nil, let end = find([13, 10, 13, 10], in: pending, from: max(0, searched - 3)) {
                headEnd = end + 4
                let head = String(decoding: pending[0..<end], as: UTF8.self)
                for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
                    contentLength = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) ?? 0
                }
            }
            searched = pending.count
            if let end = headEnd, pending.count >= end + contentLength { break }
            let count = read(client, &buffer, buffer.count)
            guard count > 0 else { return nil }
            pending += buffer[0..<count]
        }
        let receivedAt = ContinuousClock.now
        guard let end = headEnd else { return nil }
        let lines = String(decoding: pending[0..<(end - 4)], as: UTF8.self).components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        guard parts.count >= 2 else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            let pair = line.split(separator: ":", maxSplits: 1)
            guard pair.count == 2 else { continue }
            let name = pair[0].lowercased()
            let value = pair[1].trimmingCharacters(in: .whitespaces)
            headers[name] = headers[name].map { "\($0), \(value)" } ?? value
        }
        let body = Array(pending[end..<(end + contentLength)])
        pending.removeFirst(end + contentLength)
        return RawRequest(method: String(parts[0]), target: String(parts[1]), headers: headers, body: body, receivedAt: receivedAt)
    }

    /// Sends everything, without SIGPIPE when the client has gone; false when it could not.
    static func send(_ bytes: [UInt8], to client: Int32) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { return false }
            sent += count
        }
        return true
    }

    private static func find(_ needle: [UInt8], in data: [UInt8], from start: Int) -> Int? {
        guard data.count >= needle.count, start <= data.count - needle.count else { return nil }
        for index in start...(data.count - needle.count) where data[index] == needle[0] && data[index..<(index + needle.count)].elementsEqual(needle) {
            return index
        }
        return nil
    }
}
