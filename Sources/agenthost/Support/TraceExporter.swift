import AgentHostCore
import AgentHostTelemetry
import Logging
import Synchronization

/// The process's span export, when `--otlp-endpoint`, the policy's
/// `telemetry.otlp_endpoint` or `OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT` names a
/// collector: started with the host, finished (what is left sent) as the command ends.
enum TraceExporter {
    private static let export = Mutex<SpanExport?>(nil)

    /// Starts exporting to the first endpoint given; nothing when none is.
    static func start(flag: String?, policy: TelemetryPolicy, environment: [String: String]) throws {
        let endpoint = flag ?? policy.otlpEndpoint ?? environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] ?? environment["OTEL_EXPORTER_OTLP_ENDPOINT"]
        guard let endpoint, !endpoint.isEmpty else { return }
        guard export.withLock({ $0 == nil }) else { return }
        do {
            let started = try SpanExport(endpoint: endpoint, serviceName: policy.serviceName, logger: Logger(label: "agenthost.otlp"))
            export.withLock { $0 = started }
        } catch {
            throw CLIError(error.description)
        }
    }

    /// Sends the spans not sent yet; safe to call when nothing was started, and more than once.
    static func finish(timeout: Duration = .seconds(5)) {
        let running = export.withLock { export -> SpanExport? in
            defer { export = nil }
            return export
        }
        running?.finish(timeout: timeout)
    }
}
