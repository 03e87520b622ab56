import Logging

/// What the host keeps for one plugin image behind `ah_host.host_data`: who it
/// is, for logs. Calls are found by `call_id`, never through this object, so
/// a callback cannot reach another plugin's call.
final class PluginHostContext: Sendable {
    let pluginID: String
    let logger: Logger

    init(pluginID: String) {
        self.pluginID = pluginID
        self.logger = Logger(label: "agenthost.plugin.\(pluginID)")
    }
}
