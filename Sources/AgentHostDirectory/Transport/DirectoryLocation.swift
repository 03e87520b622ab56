import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Where a directory lives: a folder on this machine, or an HTTP(S) server
/// (`agenthost directory serve`, or any static server of its folder). Fetches
/// are synchronous: the CLI has nothing else to do while it waits.
public struct DirectoryLocation: Sendable, CustomStringConvertible {
    enum Kind: Sendable {
        case folder(URL)
        case web(URL)
    }

    let kind: Kind
    /// As given, for messages and for the directory list.
    public let description: String

    /// How long a fetch may wait for the server before giving up.
    public static let timeout: TimeInterval = 30

    public init(_ text: String) throws(TransportError) {
        if text.hasPrefix("http://") || text.hasPrefix("https://") {
            guard let url = URL(string: text.hasSuffix("/") ? text : text + "/"), url.host != nil else { throw .invalidLocation(text) }
            kind = .web(url)
            description = text
        } else if text.hasPrefix("file://") {
            guard let url = URL(string: text), url.isFileURL else { throw .invalidLocation(text) }
            kind = .folder(url.standardizedFileURL)
            description = url.standardizedFileURL.path
        } else if text.contains("://") {
            throw .invalidLocation(text)
        } else {
            let url = URL(fileURLWithPath: text).standardizedFileURL
            kind = .folder(url)
            description = url.path
        }
    }

    public var isFolder: Bool { if case .folder = kind { true } else { false } }

    /// The full address of `relative` (a path inside the directory), for messages.
    public func address(of relative: String) -> String {
        switch kind {
        case .folder(let folder): folder.appendingPathComponent(relative).path
        case .web(let base): URL(string: relative, relativeTo: base)?.absoluteString ?? base.absoluteString + relative
        }
    }

    /// The bytes of `relative`, no more than `limit` of them; with
    /// `expected`, a shorter answer is a download cut short.
    public func fetch(_ relative: String, limit: Int, expected: Int? = nil) throws(TransportError) -> Data {
        let data: Data
        switch kind {
        case .folder(let folder):
            let url = folder.appendingPathComponent(relative)
            guard FileManager.default.fileExists(atPath: url.path) else { throw .missing(path: url.path) }
            do {
                data = try Data(contentsOf: url, options: .mappedIfSafe)
            } catch {
                throw .unreachable(url: url.path, reason: error.localizedDescription)
            }
        case .web:
            data = try download(address(of: relative), limit: limit)
        }
        guard data.count <= limit else { throw .tooLarge(url: address(of: relative), limit: limit) }
        if let expected, data.count < expected {
            throw .cutShort(url: address(of: relative), detail: "\(data.count) of \(expected) bytes arrived")
        }
        return data
    }

    private func download(_ address: String, limit: Int) throws(TransportError) -> Data {
        guard let url = URL(string: address) else { throw .invalidLocation(address) }
        final class Outcome: @unchecked Sendable {
            // Written once by the session's queue before `done` is signalled, read after.
            var data: Data?
            var response: HTTPURLResponse?
            var error: (any Error)?
            let done = DispatchSemaphore(value: 0)
        }
        let outcome = Outcome()
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = Self.timeout
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        session.dataTask(with: url) { data, response, error in
            outcome.data = data
            outcome.response = response as? HTTPURLResponse
            outcome.error = error
            outcome.done.signal()
        }.resume()
        outcome.done.wait()
        if let error = outcome.error {
            // Failing to connect is "unreachable"; a connection that then ended early is a download cut short.
            let neverConnected = [NSURLErrorCannotConnectToHost, NSURLErrorCannotFindHost, NSURLErrorDNSLookupFailed,
                                  NSURLErrorNotConnectedToInternet, NSURLErrorTimedOut, NSURLErrorBadURL, NSURLErrorUnsupportedURL]
            if (error as NSError).code == NSURLErrorTimedOut { throw .timedOut(url: address, seconds: Int(Self.timeout)) }
            if outcome.response != nil || !neverConnected.contains((error as NSError).code) {
                throw .cutShort(url: address, detail: error.localizedDescription)
            }
            throw .unreachable(url: address, reason: error.localizedDescription)
        }
        guard let response = outcome.response else { throw .unreachable(url: address, reason: "no HTTP response") }
        guard response.statusCode == 200 else { throw .status(url: address, code: response.statusCode) }
        let data = outcome.data ?? Data()
        if response.expectedContentLength > 0, Int(response.expectedContentLength) > data.count {
            throw .cutShort(url: address, detail: "\(data.count) of \(response.expectedContentLength) bytes arrived")
        }
        if data.count > limit { throw .tooLarge(url: address, limit: limit) }
        return data
    }
}
