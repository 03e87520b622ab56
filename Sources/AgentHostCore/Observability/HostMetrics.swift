import CoreMetrics
import Synchronization

/// What the host counts and times, through swift-metrics: whatever backend
/// the process bootstrapped (`agenthost serve` bootstraps Prometheus) gets
/// them; without one they cost next to nothing.
///
/// Each metric is made once per set of labels and kept, so recording one
/// costs a dictionary look-up under a lock and the backend's own add, not a
/// factory call. Names follow Prometheus's conventions; the README lists them.
public final class HostMetrics: Sendable {
    public static let shared = HostMetrics()

    private let counters = Mutex<[MetricKey: Counter]>([:])
    private let floatingCounters = Mutex<[MetricKey: FloatingPointCounter]>([:])
    private let timers = Mutex<[MetricKey: Timer]>([:])
    private let meters = Mutex<[MetricKey: Meter]>([:])

    /// A metric's name and its label values, in a fixed order per name.
    struct MetricKey: Hashable, Sendable {
        var name: String
        var labels: [String]
    }

    // MARK: - What the runtime records

    /// What one step of `agent` on `capability` records, made together and
    /// found with one look-up: its outcome counters, its call's duration and
    /// errors, the agent's calls in flight, and its wait before the call.
    package final class Step: Sendable {
        let outcomes: [TaskStatus: Counter]
        let callDuration: Timer
        let callErrors: Counter
        let inFlight: Meter
        let queueWait: Timer

        init(agent: String, capability: String) {
            outcomes = Dictionary(uniqueKeysWithValues: TaskStatus.allCases.filter { $0.isFinished || $0 == .waitingApproval }.map {
                ($0, Counter(label: "agenthost_tasks_total", dimensions: [("agent", agent), ("capability", capability), ("outcome", $0.rawValue)]))
            })
            callDuration = Timer(label: "agenthost_call_duration_seconds", dimensions: [("agent", agent), ("capability", capability)])
            callErrors = Counter(label: "agenthost_call_errors_total", dimensions: [("agent", agent), ("capability", capability)])
            inFlight = Meter(label: "agenthost_calls_in_flight", dimensions: [("agent", agent)])
            queueWait = Timer(label: "agenthost_queue_wait_seconds", dimensions: [("agent", agent)])
        }

        /// A task ended: counted by agent, capability and outcome.
        package func taskEnded(_ outcome: TaskStatus) { outcomes[outcome]?.increment() }

        /// A call into the agent began; `callEnded` must follow.
        package func callStarted() { inFlight.increment() }

        package func callEnded(nanoseconds: Int64, failed: Bool) {
            inFlight.decrement()
            callDuration.recordNanoseconds(nanoseconds)
            if failed { callErrors.increment() }
        }

        /// How long a task waited between being taken and its agent being called.
        package func queueWaited(nanoseconds: Int64) { queueWait.recordNanoseconds(max(0, nanoseconds)) }
    }

    private struct StepKey: Hashable {
        var agent: String
        var capability: String
    }

    private let steps = Mutex<[StepKey: Step]>([:])
    private let commits = Mutex<Timer?>(nil)

    /// The step metrics of `agent` on `capability`.
    package func step(agent: String, capability: String) -> Step {
        let key = StepKey(agent: agent, capability: capability)
        if let found = steps.withLock({ $0[key] }) { return found }
        let made = Step(agent: agent, capability: capability)
        return steps.withLock { steps in
            if let raced = steps[key] { return raced }
            steps[key] = made
            return made
        }
    }

    /// Forgets every metric made so far, so the next records go to a backend
    /// bootstrapped since; those made before went to the one before.
    package func reset() {
        steps.withLock { $0.removeAll() }
        commits.withLock { $0 = nil }
        counters.withLock { $0.removeAll() }
        floatingCounters.withLock { $0.removeAll() }
        timers.withLock { $0.removeAll() }
        meters.withLock { $0.removeAll() }
    }

    package func runEnded(mode: String, status: RunStatus, nanoseconds: Int64) {
        counter("agenthost_runs_total", ["mode": mode, "outcome": status.rawValue]).increment()
        timer("agenthost_run_duration_seconds", ["mode": mode]).recordNanoseconds(nanoseconds)
    }

    /// An event a task recorded: guardrail trips, handoffs, delegations,
    /// refusals and plugin faults each have their own counter.
    package func recorded(_ event: TaskEvent) {
        let agent = event.agent ?? "-"
        switch event.kind {
        case .guardrailTripped: counter("agenthost_guardrail_trips_total", ["agent": agent]).increment()
        case .guardrailRedacted: counter("agenthost_guardrail_redactions_total", ["agent": agent]).increment()
        case .handoff: counter("agenthost_handoffs_total", ["agent": agent]).increment()
        case .delegated: counter("agenthost_delegations_total", ["agent": agent]).increment()
        case .toolMasked, .modelToolRefused: counter("agenthost_refusals_total", ["agent": agent, "reason": "masked_tool"]).increment()
        case .permissionDenied: counter("agenthost_refusals_total", ["agent": agent, "reason": "permission"]).increment()
        case .handoffRefused: counter("agenthost_refusals_total", ["agent": agent, "reason": "handoff"]).increment()
        case .callbackRefused: counter("agenthost_refusals_total", ["agent": agent, "reason": "callback"]).increment()
        case .budgetTripped: counter("agenthost_refusals_total", ["agent": agent, "reason": "budget"]).increment()
        case .pluginFault: counter("agenthost_plugin_faults_total", ["agent": agent]).increment()
        case .routed, .stateChanged, .toolCalled, .modelCalled, .approvalRequested, .approvalDecided: break
        }
    }

    /// An isolated plugin's process was started again after a fault.
    package func pluginRestarted(agent: String) { counter("agenthost_plugin_restarts_total", ["agent": agent]).increment() }

    /// One write transaction of the store, BEGIN to COMMIT.
    package func storeCommitted(nanoseconds: Int64) {
        let timer = commits.withLock { kept in
            if let kept { return kept }
            let made = Timer(label: "agenthost_store_commit_seconds")
            kept = made
            return made
        }
        timer.recordNanoseconds(nanoseconds)
    }

    package func modelUsed(agent: String, model: String, inputTokens: Int, outputTokens: Int, cost: Double) {
        counter("agenthost_model_tokens_total", ["agent": agent, "model": model, "direction": "input"]).increment(by: inputTokens)
        counter("agenthost_model_tokens_total", ["agent": agent, "model": model, "direction": "output"]).increment(by: outputTokens)
        if cost > 0 { floatingCounter("agenthost_model_cost_total", ["agent": agent, "model": model]).increment(by: cost) }
    }

    /// A monitor's threshold was crossed.
    package func alerted(monitor: String, agent: String) {
        counter("agenthost_alerts_total", ["monitor": monitor, "agent": agent]).increment()
    }

    // MARK: - Kept metrics

    private func counter(_ name: String, _ labels: KeyValuePairs<String, String>) -> Counter {
        Self.kept(counters, name, labels) { Counter(label: name, dimensions: $0) }
    }

    private func floatingCounter(_ name: String, _ labels: KeyValuePairs<String, String>) -> FloatingPointCounter {
        Self.kept(floatingCounters, name, labels) { FloatingPointCounter(label: name, dimensions: $0) }
    }

    private func timer(_ name: String, _ labels: KeyValuePairs<String, String>) -> Timer {
        Self.kept(timers, name, labels) { Timer(label: name, dimensions: $0) }
    }

    private func meter(_ name: String, _ labels: KeyValuePairs<String, String>) -> Meter {
        Self.kept(meters, name, labels) { Meter(label: name, dimensions: $0) }
    }

    /// The metric kept for `name` and `labels`, made by `make` the first time.
    private static func kept<Metric: Sendable>(_ kept: borrowing Mutex<[MetricKey: Metric]>, _ name: String, _ labels: KeyValuePairs<String, String>,
                                     make: ([(String, String)]) -> sending Metric) -> Metric {
        let key = MetricKey(name: name, labels: labels.map(\.value))
        if let found = kept.withLock({ $0[key] }) { return found }
        // Made outside the lock: a backend's factory takes locks of its own.
        let made = make(labels.map { ($0.key, $0.value) })
        return kept.withLock { metrics in
            if let raced = metrics[key] { return raced }
            metrics[key] = made
            return made
        }
    }
}
