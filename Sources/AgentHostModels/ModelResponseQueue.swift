import Foundation
import NIOCore
import NIOHTTP1

/// Hands an answer from the event loop, where AsyncHTTPClient delivers it,
/// to the thread that called `complete`, which decodes it and reports the
/// events there, as `ModelProvider` promises. The event loop only appends
/// and signals; the caller takes everything pending in one go, swapping
/// buffers so that neither side allocates once the call is under way.
final class ModelResponseQueue: @unchecked Sendable {
    // @unchecked: `items` is only touched under `condition`'s lock.

    enum Item {
        case head(HTTPResponseHead)
        case body(ByteBuffer)
        case end
        case failure(any Error)
    }

    private let condition = NSCondition()
    private var items: [Item] = []

    init() {
        items.reserveCapacity(16)
    }

    func push(_ item: Item) {
        condition.lock()
        items.append(item)
        condition.unlock()
        // After unlocking, so the woken caller does not at once block on the lock this thread still holds.
        // No wake-up is lost: the caller checks `items` under the lock before it waits.
        condition.signal()
    }

    /// Moves every pending item into `taken` (which the caller has emptied),
    /// waiting until `deadline` for one when none is pending.
    func take(into taken: inout [Item], waitingUntil deadline: Date) {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty {
            if !condition.wait(until: deadline) { break }
        }
        swap(&taken, &items)
    }
}
