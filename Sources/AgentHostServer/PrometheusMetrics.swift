import AgentHostCore
import CoreMetrics
import Prometheus

/// The host's metrics (`HostMetrics`) in Prometheus's text format, for
/// `/metrics`: swift-metrics is bootstrapped with swift-prometheus once per
/// process, with duration buckets from 10 µs (a step of an in-process
/// agent) to 60 s (a model's long answer).
public enum PrometheusMetrics {
    private static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(10), .microseconds(50), .microseconds(100), .microseconds(500),
            .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(500),
            .seconds(1), .seconds(5), .seconds(10), .seconds(60),
        ]
        MetricsSystem.bootstrap(factory)
        // Metrics the host made before this went to the no-op backend: make them anew.
        HostMetrics.shared.reset()
        return registry
    }()

    /// Bootstraps the backend (the first call only) and returns what writes `/metrics`.
    public static func bootstrap() -> @Sendable () -> [UInt8] {
        let registry = Self.registry
        return { registry.emitToBuffer() }
    }
}
