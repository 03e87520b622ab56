import AgentHostCore
import Foundation

/// What `plugins check` does, shared with `plugins pack`, which refuses
/// whatever check refuses.
enum PluginCheck {
    /// Loads every plugin in `path` (a plugin folder or a folder of them) and
    /// prints a verdict for each. With `isolated`, each binary is loaded only
    /// in a confined child process, even a bundled one. Returns the records
    /// and whether any was refused.
    static func run(path: String, host: HostOptions, isolated: Bool = false) throws -> (records: [PluginRecord], failed: Bool) {
        let folder = URL(fileURLWithPath: path)
        guard FileManager.default.fileExists(atPath: folder.path) else { throw CLIError("'\(path)' does not exist") }
        let searchPath = PluginSearchPath(folders: [.init(url: folder, origin: .commandLine)],
                                          bundledFolder: PluginSearchPath.bundledFolderOfRunningExecutable())
        var policy = try host.loadPolicy()
        if isolated {
            for url in PluginSearchPath.manifests(in: folder) {
                guard let manifest = try? PluginManifest.load(from: url) else { continue }
                var rule = policy.plugin(manifest.id)
                rule.isolation = .process
                policy.plugins[manifest.id] = rule
            }
        }
        let registry = PluginRegistry(searchPath: searchPath, policy: policy)
        var failed = !registry.failures.isEmpty
        for record in registry.records {
            if let plugin = record.plugin, case .failure(let fault)? = plugin.prepare() {
                print("error: \(fault)")
                failed = true
            } else if let plugin = record.plugin {
                print("ok: \(plugin.id) \(plugin.manifest.version) (\(plugin.binaryPath))")
                print("  capabilities: \(plugin.manifest.capabilities.map(\.name).joined(separator: ", "))")
                if !plugin.tools.isEmpty {
                    print("  tools: \(plugin.tools.map { "\($0.name) \($0.signature)" }.joined(separator: ", "))")
                }
                print("  thread-safe: \(plugin.isThreadSafe ? "yes" : "no (calls are serialized)")")
                print("  runs: \(PluginReport.mode(of: plugin))")
            } else if let error = record.error {
                print("error: \(error)")
            }
        }
        return (registry.records, failed)
    }

    /// The one plugin in `folder`, checked; anything check refuses stops here.
    static func checked(folder: String, host: HostOptions, isolated: Bool) throws -> (manifestURL: URL, plugin: LoadedPlugin) {
        let (records, failed) = try run(path: folder, host: host, isolated: isolated)
        guard !failed else { throw CLIError("'\(folder)' was refused (above), so it is not packed; fix it until `agenthost plugins check \(folder)` passes") }
        guard records.count == 1, let record = records.first, let plugin = record.plugin else {
            throw CLIError("'\(folder)' holds \(records.count) plugins; a package holds one: name the folder with its plugin.json")
        }
        return (record.manifestURL, plugin)
    }
}
