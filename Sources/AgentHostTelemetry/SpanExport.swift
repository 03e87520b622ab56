import AgentHostCore
import Foundation
import Logging
import OTel
import ServiceLifecycle
import Synchronization
import Tracing

/// The host's spans exported over OTLP/HTTP (protobuf) with swift-otel:
/// tracing only, since metrics go to Prometheus and logs to stderr. The
/// exporter batches on its own tasks; `finish()` sends what is left.
///
/// One per process: bootstrapping a tracer is process-wide.
public final class SpanExport: Sendable {
    /// Why the export could not start, in words.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    private let group: ServiceGroup
    private let finished = DispatchSemaphore(value: 0)
    private let running = Mutex(false)
    public let tracesURL: String

    /// Bootstraps the tracer to send to `endpoint` and starts exporting.
    /// `endpoint` is a collector's base URL (`http://host:4318`, to which
    /// `/v1/traces` is added) or a full URL with a path, used as it is.
    public init(endpoint: String, serviceName: String, logger: Logger) throws(Failure) {
        if let problem = TelemetryPolicy.problem(with: endpoint) { throw Failure(description: "--otlp-endpoint: \(problem)") }
        tracesURL = Self.tracesURL(endpoint)
        var configuration = OTel.Configuration.default
        configuration.serviceName = serviceName
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.propagators = [.traceContext]
        configuration.diagnosticLogger = .custom(logger)
        configuration.diagnosticLogLevel = .warning
        configuration.traces.enabled = true
        configuration.traces.exporter = .otlp
        configuration.traces.otlpExporter.protocol = .httpProtobuf
        configuration.traces.otlpExporter.endpoint = tracesURL
        // Short runs of the CLI export at their end; a long-lived host every second.
        configuration.traces.batchSpanProcessor.scheduleDelay = .seconds(1)
        let service: any Service
        do {
            service = try OTel.bootstrap(configuration: configuration)
        } catch {
            throw Failure(description: "cannot export spans to \(tracesURL): \(error)")
        }
        group = ServiceGroup(configuration: .init(services: [.init(service: service)], gracefulShutdownSignals: [], logger: logger))
        HostSpan.enable()
        let group = self.group, finished = self.finished
        running.withLock { $0 = true }
        Task.detached {
            try? await group.run()
            finished.signal()
        }
    }

    /// Sends the spans not sent yet and stops, waiting up to `timeout`.
    public func finish(timeout: Duration = .seconds(5)) {
        let wasRunning = running.withLock { running in
            defer { running = false }
            return running
        }
        guard wasRunning else { return }
        let group = self.group
        Task.detached { await group.triggerGracefulShutdown() }
        let (seconds, attoseconds) = timeout.components
        _ = finished.wait(timeout: .now() + .nanoseconds(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)))
    }

    static func tracesURL(_ endpoint: String) -> String {
        guard let schemeEnd = endpoint.range(of: "://") else { return endpoint }
        let rest = endpoint[schemeEnd.upperBound...]
        guard let slash = rest.firstIndex(of: "/"), rest[slash...] != "/" else {
            return endpoint.hasSuffix("/") ? endpoint + "v1/traces" : endpoint + "/v1/traces"
        }
        return endpoint
    }
}
