import Logging
import Synchronization

/// One agent call while it runs: what host callbacks made on its behalf act on.
final class ActiveCall: Sendable {
    let id: UInt64
    let host: AgentHost
    let plugin: LoadedPlugin
    let options: CallOptions
    /// The call that delegated this one, if any.
    let parent: ActiveCall?
    /// The capability being answered, when the call answers one.
    let capability: PluginManifest.Capability?
    let deadlineNanoseconds: Int64
    private let handoffs = Mutex<[HandoffRequest]>([])
    private let events = Mutex<[TaskEvent]>([])
    /// The child process running this call, for an isolated plugin: a tool
    /// the call asks for through `call_tool` runs there.
    let servingChild = Mutex<ChildProcess?>(nil)
    /// Model calls, tool calls and budget state of this call.
    let work = Mutex(CallUsage())
    let startedNanoseconds = WallClock.nanoseconds()

    init(host: AgentHost, plugin: LoadedPlugin, options: CallOptions, parent: ActiveCall?, capability: PluginManifest.Capability? = nil) {
        self.capability = capability
        self.id = CallRegistry.shared.makeID()
        self.host = host
        self.plugin = plugin
        self.options = options
        self.parent = parent
        self.deadlineNanoseconds = options.timeout.map(WallClock.deadline(after:)) ?? parent?.deadlineNanoseconds ?? 0
    }

    var context: SharedContext { options.context ?? host.sharedContext }

    /// The run's ledger, or this call's own when it belongs to none.
    var ledger: WorkLedger? { options.ledger }

    /// The task this call works for, when it has a row in the store.
    var taskRowID: Int64? { Int64(options.taskID).flatMap { $0 > 0 ? $0 : nil } }

    /// What the call works on, as log metadata: task, run, step, agent, and its span's trace and span ids.
    var logMetadata: Logger.Metadata {
        var metadata: Logger.Metadata = ["agent": "\(plugin.id)"]
        if let task = taskRowID { metadata["task"] = "\(task)" }
        if let run = ledger?.runID { metadata["run"] = "\(run)" }
        if let step = options.step { metadata["step"] = "\(step)" }
        // traceparent: 00-TRACE_ID-SPAN_ID-FLAGS
        if let parts = HostSpan.traceparent(of: options.traceContext)?.traceparent.split(separator: "-"), parts.count == 4 {
            metadata["trace_id"] = "\(parts[1])"
            metadata["span_id"] = "\(parts[2])"
        }
        return metadata
    }

    var trip: BudgetTrip? { work.withLock { $0.trip } }

    var depth: Int { parent.map { $0.depth + 1 } ?? 0 }

    var isCancelled: Bool {
        if options.cancellation?.isCancelled == true || host.stopping.isCancelled || parent?.isCancelled == true { return true }
        return deadlineNanoseconds != 0 && WallClock.nanoseconds() >= deadlineNanoseconds
    }

    /// Whether `plugin` is already being called further up this delegation chain.
    func chainContains(_ plugin: LoadedPlugin) -> Bool {
        self.plugin.hostTable == plugin.hostTable || parent?.chainContains(plugin) == true
    }

    func recordHandoff(_ request: HandoffRequest) { handoffs.withLock { $0.append(request) } }

    var recordedHandoffs: [HandoffRequest] { handoffs.withLock { $0 } }

    /// Keeps `event` for the task this call belongs to (a refused tool,
    /// service or handoff; a delegation).
    func record(_ event: TaskEvent) { events.withLock { $0.append(event) } }

    var recordedEvents: [TaskEvent] { events.withLock { $0 } }
}
