import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// Passes each part of an answer, as AsyncHTTPClient delivers it on its
/// event loop, to the call's queue, and does nothing else there: the
/// decoding runs on the calling thread, so the event loop stays free for
/// every other call's bytes.
final class ModelResponseDelegate: HTTPClientResponseDelegate {
    typealias Response = Void

    private let queue: ModelResponseQueue

    init(queue: ModelResponseQueue) {
        self.queue = queue
    }

    func didReceiveHead(task: HTTPClient.Task<Void>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        queue.push(.head(head))
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Void>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        queue.push(.body(buffer))
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveError(task: HTTPClient.Task<Void>, _ error: any Error) {
        queue.push(.failure(error))
    }

    func didFinishRequest(task: HTTPClient.Task<Void>) throws {
        queue.push(.end)
    }
}
