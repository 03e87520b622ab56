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
    func limits(for manifest: PluginManifest) -> PluginLimits { limits(forPlugin: manifest.id, declared: manifest.limits) }

    private func limits(forPlugin id: String, declared: [String: Int]) -> PluginLimits {
        var limits = PluginLimits.standard
        for (name, value) in declared {
            if let keyPath = PluginLimits.named[name]?.keyPath, value < limits[keyPath: keyPath] { limits[keyPath: keyPath] = value }
        }
        for (name, value) in plugin(id).limits {
            if let keyPath = PluginLimits.named[name]?.keyPath { limits[keyPath: keyPath] = value }
        }
        return limits
    }
}

/// Where a plugin found outside the host's build folder will run, and with
/// what, as the registry will decide when it loads it: what `plugins install`
/// shows a person before they agree.
public struct PluginPlacement: Sendable, Hashable {
    public var isolation: IsolationMode
    public var trusted: Bool
    public var limits: PluginLimits
}

extension Policy {
    /// For the plugin `id` whose manifest declares `limits`.
    public func placement(ofPlugin id: String, declaredLimits: [String: Int]) -> PluginPlacement {
        let trusted = isTrusted(id, bundled: false)
        return PluginPlacement(isolation: isolation(for: id, trusted: trusted), trusted: trusted,
                               limits: limits(forPlugin: id, declared: declaredLimits))
    }
}
