import AgentHostCore
import Dispatch
import Synchronization

/// The jobs of one `agenthost serve`: it starts them on worker threads (the
/// runtime's calls block; Swift's cooperative threads must not), finds them
/// by id, cancels them, and drains them at shutdown.
final class JobBoard: Sendable {
    /// Why a job was not taken.
    enum Refusal: Error, Sendable {
        /// SIGTERM came; the server finishes what it has and takes nothing new.
        case draining
        case full(limit: Int)
    }

    private struct State {
        var jobs: [Int64: ServedJob] = [:]
        var order: [Int64] = []
        var nextID: Int64 = 1
        var running = 0
        var draining = false
    }

    let orchestrator: Orchestrator
    var runtime: AgentRuntime { orchestrator.runtime }
    /// Jobs that may run or wait at once; more are refused with 503 and Retry-After.
    let limit: Int
    /// Finished jobs kept for `GET`; the oldest finished go first.
    static let keptFinished = 10_000
    private let state = Mutex(State())
    private let workers = DispatchQueue(label: "agenthost.serve.jobs", attributes: .concurrent)

    init(orchestrator: Orchestrator, limit: Int) {
        self.orchestrator = orchestrator
        self.limit = limit
    }

    var isDraining: Bool { state.withLock { $0.draining } }
    var inFlight: Int { state.withLock { $0.running } }

    func job(_ id: Int64) -> ServedJob? { state.withLock { $0.jobs[id] } }

    /// The newest jobs first.
    func recent(limit: Int) -> [ServedJob] {
        state.withLock { state in state.order.suffix(limit).reversed().compactMap { state.jobs[$0] } }
    }

    /// Takes a job and starts `work` on a worker thread; `work` ends it with `ServedJob.finish`.
    func submit(_ kind: ServedJob.Kind, what: String, work: @escaping @Sendable (ServedJob) -> Void) throws(Refusal) -> ServedJob {
        let job = try state.withLock { state throws(Refusal) -> ServedJob in
            if state.draining { throw .draining }
            guard state.running < limit else { throw .full(limit: limit) }
            let job = ServedJob(id: state.nextID, kind: kind, what: what)
            state.nextID += 1
            state.running += 1
            state.jobs[job.id] = job
            state.order.append(job.id)
            if state.order.count > Self.keptFinished, let oldest = state.order.first, state.jobs[oldest]?.status.isFinished ?? true {
                state.order.removeFirst()
                state.jobs.removeValue(forKey: oldest)
            }
            return job
        }
        workers.async {
            job.started()
            work(job)
            self.state.withLock { $0.running -= 1 }
        }
        return job
    }

    /// Stops taking jobs, waits up to `grace` for those running to end, then
    /// cancels the rest (a run keeps its checkpoints and can be resumed) and
    /// waits up to `grace` once more. Returns how many were cancelled and how many never ended.
    func drain(grace: Duration) async -> (cancelled: Int, unfinished: Int) {
        state.withLock { $0.draining = true }
        if await waitUntilIdle(within: grace) { return (0, 0) }
        let open = state.withLock { state in state.jobs.values.filter { !$0.status.isFinished } }
        for job in open { job.cancellation.cancel() }
        _ = await waitUntilIdle(within: grace)
        return (open.count, inFlight)
    }

    private func waitUntilIdle(within grace: Duration) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + grace
        while inFlight > 0 {
            guard clock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return true
    }
}
