/// Where the host sends its spans: the policy's `telemetry` section.
public struct TelemetryPolicy: Sendable, Hashable {
    /// An OTLP/HTTP collector, `http(s)://host:port` (spans go to its `/v1/traces`)
    /// or a full traces URL; nil: no spans are exported (`--otlp-endpoint` overrides).
    public var otlpEndpoint: String?
    /// `service.name` of the exported spans.
    public var serviceName = "agenthost"

    public init(otlpEndpoint: String? = nil, serviceName: String = "agenthost") {
        self.otlpEndpoint = otlpEndpoint
        self.serviceName = serviceName
    }

    /// Why `endpoint` cannot be an OTLP/HTTP endpoint; nil when it can.
    public static func problem(with endpoint: String) -> String? {
        guard let scheme = endpoint.split(separator: ":", maxSplits: 1).first?.lowercased(), scheme == "http" || scheme == "https",
              endpoint.contains("://"), endpoint.count > scheme.count + 3 else {
            return "'\(endpoint)' is not an http(s) URL of an OTLP/HTTP collector (e.g. http://127.0.0.1:4318)"
        }
        return nil
    }
}
