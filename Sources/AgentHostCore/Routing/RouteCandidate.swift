/// One agent able to run one capability, and what routing weighs about it.
struct RouteCandidate: Sendable {
    let plugin: LoadedPlugin
    /// The plugin's position in the registry, which indexes `AgentLoad`.
    let agentIndex: Int
    /// The capability's position in the plugin's manifest.
    let capabilityIndex: Int
    /// Whether the capability takes a task in words (has a text input). A
    /// plain flag: candidates are copied on every route, and a flag costs no
    /// reference count.
    let takesWords: Bool

    init(plugin: LoadedPlugin, agentIndex: Int, capabilityIndex: Int) {
        self.plugin = plugin
        self.agentIndex = agentIndex
        self.capabilityIndex = capabilityIndex
        takesWords = plugin.manifest.capabilities[capabilityIndex].textInput != nil
    }

    var capability: PluginManifest.Capability { plugin.manifest.capabilities[capabilityIndex] }
}
