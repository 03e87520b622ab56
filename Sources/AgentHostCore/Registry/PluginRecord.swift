import Foundation

/// One plugin the host found, loaded or not: what `agenthost plugins list` shows.
public struct PluginRecord: Sendable {
    public var manifestURL: URL
    public var origin: PluginSearchPath.Origin
    /// The manifest, when it could be read (even if the plugin was then refused).
    public var manifest: PluginManifest?
    public var outcome: Result<LoadedPlugin, PluginLoadError>

    public var plugin: LoadedPlugin? { try? outcome.get() }
    public var error: PluginLoadError? {
        if case .failure(let error) = outcome { return error }
        return nil
    }
}
