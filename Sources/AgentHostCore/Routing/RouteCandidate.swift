/// One agent able to run one capability, and what routing weighs about it.
struct RouteCandidate: Sendable {
    let plugin: LoadedPlugin
    /// The plugin's position in the registry, which indexes `AgentLoad`.
    let agentIndex: Int
    /// The capability's position in the plugin's manifest.
    let capabilityIndex: Int

    var capability: PluginManifest.Capability { plugin.manifest.capabilities[capabilityIndex] }
}
