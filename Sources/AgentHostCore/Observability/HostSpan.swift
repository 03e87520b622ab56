import Synchronization
import Tracing

/// A span of the host's work, named and attributed after the OpenTelemetry
/// GenAI conventions (`invoke_workflow`, `invoke_agent`, `execute_tool`,
/// `chat`), through swift-distributed-tracing's API.
///
/// Spans are made only once a tracer is bootstrapped and `HostSpan.enable()`
/// was called (`agenthost --otlp-endpoint`); until then `start` returns an
/// empty span at the cost of one atomic load, and builds neither its name
/// nor its attributes. The parent is always passed explicitly: the runtime's
/// work runs on plain threads, where Swift's task-local context does not follow.
public struct HostSpan: Sendable {
    private static let enabled = Atomic<Bool>(false)

    /// Turns spans on; called by whoever bootstrapped the tracer.
    public static func enable() { enabled.store(true, ordering: .releasing) }

    public static var isEnabled: Bool { enabled.load(ordering: .relaxed) }

    let span: (any Span)?

    /// No span: tracing is off, or there is nothing to trace.
    public static let none = HostSpan(span: nil)

    /// Begins a span under `parent` (a new trace when nil).
    public static func start(_ name: @autoclosure () -> String, parent: InstrumentationContext?, kind: SpanKind = .internal,
                             _ attributes: (inout SpanAttributes) -> Void = { _ in }) -> HostSpan {
        guard isEnabled else { return .none }
        let span: any Span = InstrumentationSystem.tracer.startSpan(name(), context: parent ?? .topLevel, ofKind: kind)
        span.updateAttributes(attributes)
        return HostSpan(span: span)
    }

    /// The context its children start from; nil when there is no span.
    public var context: InstrumentationContext? { span?.context }

    public var isRecording: Bool { span?.isRecording ?? false }

    public func set(_ attributes: (inout SpanAttributes) -> Void) { span?.updateAttributes(attributes) }

    /// Marks it failed, with `error.type` and the message as its status.
    public func fail(_ type: String, _ message: String) {
        guard let span else { return }
        span.attributes["error.type"] = type
        span.setStatus(SpanStatus(code: .error, message: message))
    }

    /// A point in time within it: `event` and its detail.
    public func note(_ event: String, _ detail: String) {
        span?.addEvent(SpanEvent(name: event, attributes: ["detail": .string(detail)]))
    }

    public func end() { span?.end() }

    /// A guardrail that tripped, as a span of its own under `parent`: what
    /// tripped it and where, never the matched bytes.
    static func trip(_ trip: GuardrailTrip, parent: InstrumentationContext?) {
        guard isEnabled else { return }
        tripped(trip.guardrail, agent: trip.agent, detail: trip.description, parent: parent)
    }

    /// The same for a recorded `guardrail_tripped` event, whose detail is the trip's description.
    static func trip(_ event: TaskEvent, parent: InstrumentationContext?) {
        guard isEnabled, event.kind == .guardrailTripped else { return }
        let name = event.detail.split(separator: "'", maxSplits: 2).dropFirst().first.map(String.init) ?? "guardrail"
        tripped(name, agent: event.agent ?? "-", detail: event.detail, parent: parent)
    }

    private static func tripped(_ guardrail: String, agent: String, detail: String, parent: InstrumentationContext?) {
        let span = start("guardrail \(guardrail)", parent: parent) { attributes in
            attributes["agenthost.guardrail.name"] = guardrail
            attributes["agenthost.guardrail.agent"] = agent
        }
        span.fail("guardrail_tripped", detail)
        span.end()
    }

    /// The W3C trace context of `context`: the `traceparent` value (and
    /// `tracestate`, if any) a plugin or an HTTP server joins the trace with.
    public static func traceparent(of context: InstrumentationContext?) -> (traceparent: String, tracestate: String?)? {
        guard isEnabled, let context else { return nil }
        var carrier: [String: String] = [:]
        InstrumentationSystem.instrument.inject(context, into: &carrier, using: HeaderInjector())
        guard let parent = carrier["traceparent"] else { return nil }
        return (parent, carrier["tracestate"])
    }

    /// The context a `traceparent` (and `tracestate`) header carries, to continue a caller's trace.
    public static func context(traceparent: String?, tracestate: String?) -> InstrumentationContext? {
        guard isEnabled, let traceparent else { return nil }
        var context = InstrumentationContext.topLevel
        var carrier = ["traceparent": traceparent]
        if let tracestate { carrier["tracestate"] = tracestate }
        InstrumentationSystem.instrument.extract(carrier, into: &context, using: HeaderExtractor())
        return context
    }
}

struct HeaderInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) { carrier[key.lowercased()] = value }
}

struct HeaderExtractor: Extractor {
    func extract(key: String, from carrier: [String: String]) -> String? { carrier[key.lowercased()] }
}
