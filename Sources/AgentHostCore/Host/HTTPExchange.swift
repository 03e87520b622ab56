import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP request and its response, with no redirect followed (the caller
/// checks each hop against the allow-lists first), a body cap and a deadline.
final class HTTPExchange: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    // @unchecked: the delegate callbacks run on the session's serial queue and
    // the waiting thread reads the fields only after `done` is signalled.

    struct Response: Sendable {
        var status: Int
        var headers: [String: String]
        var body: Data
        /// The body was longer than the cap and was cut there.
        var truncated: Bool
    }

    enum Failure: Error, Sendable {
        case unreachable(String)
        case deadline
        case cancelled
    }

    private let maxBytes: Int
    private var status = 0
    private var headers: [String: String] = [:]
    private var body = Data()
    private var truncated = false
    private var failure: (any Error)?
    private let done = DispatchSemaphore(value: 0)

    private init(maxBytes: Int) { self.maxBytes = maxBytes }

    /// Sends `request` and waits for the whole response, at most until
    /// `deadline`; `cancelled` is polled while waiting.
    static func perform(_ request: URLRequest, maxBytes: Int, deadline: Date,
                        cancelled: @Sendable () -> Bool) -> Result<Response, Failure> {
        let exchange = HTTPExchange(maxBytes: maxBytes)
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        let session = URLSession(configuration: .ephemeral, delegate: exchange, delegateQueue: queue)
        defer { session.invalidateAndCancel() }
        var request = request
        request.timeoutInterval = max(0.001, deadline.timeIntervalSinceNow)
        let task = session.dataTask(with: request)
        task.resume()
        while exchange.done.wait(timeout: .now() + .milliseconds(20)) == .timedOut {
            if cancelled() {
                task.cancel()
                return .failure(.cancelled)
            }
            if Date() >= deadline {
                task.cancel()
                return .failure(.deadline)
            }
        }
        if let error = exchange.failure {
            if let urlError = error as? URLError, urlError.code == .timedOut { return .failure(.deadline) }
            return .failure(.unreachable(error.localizedDescription))
        }
        return .success(Response(status: exchange.status, headers: exchange.headers, body: exchange.body, truncated: exchange.truncated))
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        if let http = response as? HTTPURLResponse {
            status = http.statusCode
            for (name, value) in http.allHeaderFields {
                headers[String(describing: name).lowercased()] = String(describing: value)
            }
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard !truncated else { return }
        let room = maxBytes - body.count
        if data.count > room {
            body.append(data.prefix(room))
            truncated = true
            dataTask.cancel()
        } else {
            body.append(data)
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        // The caller follows redirects itself, checking each new host against the allow-lists.
        completionHandler(nil)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        if let error, !truncated { failure = error }
        done.signal()
    }
}
