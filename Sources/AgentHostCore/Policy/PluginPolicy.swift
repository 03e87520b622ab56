/// What the operator says about one plugin, in the policy's `plugins` section:
///
///     plugins:
///       acme.search:
///         trusted: true              # may run in-process and serve capabilities bundled agents offer
///         isolation: process         # or in-process; default: in-process when trusted, else process
///         memory_mb: 512             # also cpu_seconds, open_files, processes, load_timeout_ms, grace_ms
///         take_over: [knowledge.search]   # capabilities of trusted plugins it may also serve ("*": any)
///         command_env: [PATH]        # environment variables its run_command requests may set
public struct PluginPolicy: Sendable, Hashable {
    public var trusted: Bool?
    public var isolation: IsolationMode?
    /// Limits by the names manifests use, laid over the manifest's.
    public var limits: [String: Int] = [:]
    public var takeOver: [String] = []
    public var commandEnvironment: [String] = []

    public init() {}

    /// Whether this plugin may be routed a capability that a trusted plugin also offers.
    public func mayTakeOver(_ capability: String) -> Bool { takeOver.contains("*") || takeOver.contains(capability) }
}

extension Policy {
    /// The policy's word on `pluginID`, or the defaults.
    public func plugin(_ pluginID: String) -> PluginPolicy { plugins[pluginID] ?? PluginPolicy() }

    /// Whether `manifest`'s plugin is trusted: bundled with the host, unless
    /// the policy says otherwise, or named trusted by the policy.
    func isTrusted(_ pluginID: String, bundled: Bool) -> Bool { plugin(pluginID).trusted ?? bundled }

    /// Where the plugin runs: as the policy says, else in-process when trusted, else isolated.
    func isolation(for pluginID: String, trusted: Bool) -> IsolationMode {
        plugin(pluginID).isolation ?? (trusted ? .inProcess : .process)
    }

    /// The manifest's limits with the policy's laid over them. A manifest may
    /// only lower a limit: raising one is the operator's decision.
    func limits(for manifest: PluginManifest) -> PluginLimits {
        var limits = PluginLimits.standard
        for (name, value) in manifest.limits {
            if let keyPath = PluginLimits.named[name]?.keyPath, value < limits[keyPath: keyPath] { limits[keyPath: keyPath] = value }
        }
        for (name, value) in plugin(manifest.id).limits {
            if let keyPath = PluginLimits.named[name]?.keyPath { limits[keyPath: keyPath] = value }
        }
        return limits
    }
}
