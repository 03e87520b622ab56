import AgentHostCore
import NIOCore
import Synchronization

/// A task or a workflow run submitted to `agenthost serve`: where it stands,
/// what it reported on the way, and who is listening.
///
/// Jobs are numbered by the server; the store's ids (`task_id`, `run_id`)
/// are filled in once the store has them, so `agenthost tasks show` and
/// `runs show` find the same work afterwards. All methods may be called from
/// any thread.
final class ServedJob: Sendable {
    enum Kind: String, Sendable { case task, run }

    enum Status: String, Sendable {
        case queued, running, completed, failed, cancelled, partial, escalated, interrupted
        /// The task waits for a person's decision (`agenthost approvals`); the job is over.
        case waitingApproval = "waiting_approval"
        var isFinished: Bool { self != .queued && self != .running }
    }

    /// One server-sent event: its `event:` name and its `data:` line of JSON.
    struct Event: Sendable {
        var name: String
        var data: [UInt8]

        var serverSent: ByteBuffer {
            var buffer = ByteBuffer()
            buffer.writeString("event: \(name)\ndata: ")
            buffer.writeBytes(data)
            buffer.writeString("\n\n")
            return buffer
        }
    }

    private struct State {
        var status: Status = .queued
        var taskID: Int64?
        var runID: Int64?
        var result: [UInt8]?
        var error: String?
        var finishedUs: Int64?
        var events: [Event] = []
        var listeners: [Int: AsyncStream<Event>.Continuation] = [:]
        var nextListener = 0
    }

    let id: Int64
    let kind: Kind
    /// The capability, the words, or the workflow's name.
    let what: String
    let createdUs = WallClock.microseconds()
    let cancellation = CancellationToken()
    private let state = Mutex(State())
    /// At most this many events are kept for late listeners; a long run's oldest progress goes first.
    static let keptEvents = 1_000

    init(id: Int64, kind: Kind, what: String) {
        self.id = id
        self.kind = kind
        self.what = what
    }

    var status: Status { state.withLock { $0.status } }

    func started() { state.withLock { if $0.status == .queued { $0.status = .running } } }

    /// Records an event and hands it to every listener.
    func post(_ name: String, _ write: (inout JSONWriter) -> Void) {
        var json = JSONWriter(capacity: 256)
        json.beginObject()
        json.key("job")
        json.int(Int(id))
        write(&json)
        json.endObject()
        let event = Event(name: name, data: json.bytes)
        let listeners = state.withLock { state -> [AsyncStream<Event>.Continuation] in
            state.events.append(event)
            if state.events.count > Self.keptEvents { state.events.removeFirst(state.events.count - Self.keptEvents) }
            return Array(state.listeners.values)
        }
        for listener in listeners { listener.yield(event) }
    }

    /// Ends the job with its outcome; every listener gets the `end` event and its stream finishes.
    func finish(_ status: Status, taskID: Int64? = nil, runID: Int64? = nil, result: [UInt8]?, error: String?) {
        state.withLock { state in
            state.status = status
            state.taskID = taskID ?? state.taskID
            state.runID = runID ?? state.runID
            state.result = result
            state.error = error
            state.finishedUs = WallClock.microseconds()
        }
        post("end") { json in
            json.key("status")
            json.string(status.rawValue)
            if let taskID { json.key("task_id"); json.int(Int(taskID)) }
            if let runID { json.key("run_id"); json.int(Int(runID)) }
            if let error { json.key("error"); json.string(error) }
        }
        let listeners = state.withLock { state -> [AsyncStream<Event>.Continuation] in
            defer { state.listeners.removeAll() }
            return Array(state.listeners.values)
        }
        for listener in listeners { listener.finish() }
    }

    /// Every event so far, then each new one, until the job ends.
    func events() -> AsyncStream<Event> {
        let (stream, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingNewest(Self.keptEvents))
        let finished = state.withLock { state -> Bool in
            for event in state.events { continuation.yield(event) }
            guard !state.status.isFinished else { return true }
            let key = state.nextListener
            state.nextListener += 1
            state.listeners[key] = continuation
            continuation.onTermination = { [weak self] _ in self?.state.withLock { _ = $0.listeners.removeValue(forKey: key) } }
            return false
        }
        if finished { continuation.finish() }
        return stream
    }

    /// The job as `GET /v1/jobs/ID` gives it.
    func json() -> [UInt8] {
        // The fields written, not the kept events: a GET must not copy up to a thousand of them under the lock.
        let state = state.withLock { state in
            (status: state.status, taskID: state.taskID, runID: state.runID, result: state.result, error: state.error,
             finishedUs: state.finishedUs)
        }
        var json = JSONWriter(capacity: 256 + (state.result?.count ?? 0))
        json.beginObject()
        json.key("id"); json.int(Int(id))
        json.key("kind"); json.string(kind.rawValue)
        json.key("what"); json.string(what)
        json.key("status"); json.string(state.status.rawValue)
        if let taskID = state.taskID { json.key("task_id"); json.int(Int(taskID)) }
        if let runID = state.runID { json.key("run_id"); json.int(Int(runID)) }
        json.key("created_us"); json.int(Int(createdUs))
        if let finished = state.finishedUs { json.key("finished_us"); json.int(Int(finished)) }
        if let error = state.error { json.key("error"); json.string(error) }
        if let result = state.result {
            json.key("result")
            // An agent's answer is JSON by the ABI's rules; anything else is passed on as a string.
            if JSONBytes.isValid(result) { json.raw(result) } else { json.string(String(decoding: result, as: UTF8.self)) }
        }
        json.endObject()
        return json.bytes
    }
}
