/// One agent able to run one capability, and what routing weighs about it.
struct RouteCandidate: Sendable {
    let plugin: LoadedPlugin
    /// The plugin's position in the registry, which indexes `AgentLoad`.
    let agentIndex: Int
    /// The capability's position in the plugin's manifest.
    let capabilityIndex: Int
    /// `"FIELD":` for the capability's text input, ready to splice into a
    /// payload; nil when the capability takes no words.
    let textKey: [UInt8]?

    init(plugin: LoadedPlugin, agentIndex: Int, capabilityIndex: Int) {
        self.plugin = plugin
        self.agentIndex = agentIndex
        self.capabilityIndex = capabilityIndex
        textKey = plugin.manifest.capabilities[capabilityIndex].textInput.map { field in
            var key: [UInt8] = []
            JSONBytes.appendQuoted(field.utf8, to: &key)
            return key + [UInt8(ascii: ":")]
        }
    }

    var capability: PluginManifest.Capability { plugin.manifest.capabilities[capabilityIndex] }
}
