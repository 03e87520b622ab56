import Foundation

import CAgentHost
import Foundation

/// A plugin the host may call: its manifest, where its code runs, and what
/// the host precomputed from them for the call path. Routing, masks,
/// guardrails and orchestration see the same object whichever way it runs.
public final class LoadedPlugin: Sendable {
    /// Where calls go: an image in this process, or the plugin's own processes.
    enum Backend: Sendable {
        case inProcess(PluginImage)
        case isolated(IsolatedPlugin)
    }

    public let manifest: PluginManifest
    public let manifestURL: URL
    public let origin: PluginSearchPath.Origin
    /// Bundled with the host, or named trusted by the policy.
    public let isTrusted: Bool
    let backend: Backend
    /// The `ah_host` table the plugin's callbacks arrive through, which
    /// identifies the plugin to the host.
    nonisolated(unsafe) let hostTable: UnsafeMutablePointer<ah_host>
    public let binaryPath: String
    public let tools: [TypedTool]
    /// Capability names as UTF-8 bytes, indexed like `manifest.capabilities`,
    /// so a request's envelope needs no conversion per call.
    let capabilityBytes: [[UInt8]]
    /// The declared handoff targets by agent id.
    let handoffTargets: [String: PluginManifest.HandoffTarget]
    private let toolsByName: [String: TypedTool]
    /// The tools visible in each state, indexed by the state's raw value:
    /// masks are computed here once, never per call.
    private let toolsByState: [[TypedTool]]
    let permissions: PluginPermissions

    public var id: String { manifest.id }
    public var isThreadSafe: Bool { manifest.threadSafe }

    public var isolation: IsolationMode {
        if case .isolated = backend { return .process }
        return .inProcess
    }

    public func tool(named name: String) -> TypedTool? { toolsByName[name] }

    /// The tools the agent is shown, and may call, in `state`.
    public func tools(visibleIn state: AgentState) -> [TypedTool] { toolsByState[Int(state.rawValue)] }

    /// Whether calls may go to the plugin now: an isolated plugin that was
    /// refused by its child or is quarantined after repeated faults is not.
    public var isAvailable: Bool {
        if case .isolated(let isolated) = backend { return isolated.isAvailable }
        return true
    }

    /// For an isolated plugin, starts its process if none runs yet, so the
    /// binary is checked against the manifest; returns what protections hold,
    /// or why it cannot run. Nil for an in-process plugin.
    public func prepare() -> Result<IsolationProtections, PluginFault>? {
        if case .isolated(let isolated) = backend { return isolated.prepare() }
        return nil
    }

    init(manifest: PluginManifest, manifestURL: URL, origin: PluginSearchPath.Origin, isTrusted: Bool, backend: Backend,
         hostTable: UnsafeMutablePointer<ah_host>, binaryPath: String, tools: [TypedTool]) {
        self.manifest = manifest
        self.manifestURL = manifestURL
        self.origin = origin
        self.isTrusted = isTrusted
        self.backend = backend
        self.hostTable = hostTable
        self.binaryPath = binaryPath
        self.tools = tools
        capabilityBytes = manifest.capabilities.map { Array($0.name.utf8) }
        handoffTargets = Dictionary(manifest.handoffs.map { ($0.target, $0) }, uniquingKeysWith: { first, _ in first })
        toolsByName = Dictionary(tools.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        toolsByState = AgentState.allCases.map { state in tools.filter { $0.allowedStates.contains(state) } }
        permissions = PluginPermissions(manifest.permissions)
    }
}

extension LoadedPlugin {
    /// Makes the plugin `manifest` names callable in `mode`: in this process
    /// the binary is loaded and checked now; isolated, nothing of the plugin
    /// runs until its first call (or `prepare()`), when its child checks it.
    static func load(manifest: PluginManifest, manifestURL: URL, origin: PluginSearchPath.Origin,
                     bundledFolder: URL?, mode: IsolationMode, isTrusted: Bool,
                     limits: PluginLimits) throws(PluginLoadError) -> LoadedPlugin {
        let location = manifestURL.path
        let candidates = binaryCandidates(for: manifest.library, manifestFolder: manifestURL.deletingLastPathComponent(),
                                          bundledFolder: bundledFolder)
        guard let binary = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw PluginLoadError(pluginID: manifest.id, location: location, reason: .binaryMissing(searched: candidates))
        }
        switch mode {
        case .inProcess:
            let image = try PluginImage.acquire(path: binary, pluginID: manifest.id, location: location) { image throws(PluginLoadError) in
                if let problem = image.binary.problem(with: manifest) {
                    throw PluginLoadError(pluginID: manifest.id, location: location, reason: problem)
                }
            }
            return LoadedPlugin(manifest: manifest, manifestURL: manifestURL, origin: origin, isTrusted: isTrusted,
                                backend: .inProcess(image), hostTable: image.host, binaryPath: image.binaryPath, tools: image.tools)
        case .process:
            guard let helper = ChildConfiguration.helperPath(bundledFolder: bundledFolder) else {
                throw PluginLoadError(pluginID: manifest.id, location: location,
                                      reason: .isolationFailed("agenthost-plugin-host was not found beside the host"))
            }
            let resolved = URL(fileURLWithPath: binary).resolvingSymlinksInPath()
            let readable = [resolved.deletingLastPathComponent().path, manifestURL.deletingLastPathComponent().path]
                + ChildConfiguration.systemReadable
            let configuration = ChildConfiguration(pluginID: manifest.id, helperPath: helper, binaryPath: resolved.path,
                                                   readable: readable, limits: limits)
            let hostTable = HostTable.make(for: PluginHostContext(pluginID: manifest.id))
            let isolated = IsolatedPlugin(manifest: manifest, configuration: configuration, hostTable: hostTable)
            // Tools as the manifest declares them; the child's report must agree before any runs.
            var tools: [TypedTool] = []
            for tool in manifest.tools {
                do {
                    tools.append(try TypedTool(pluginID: manifest.id, name: tool.name, signature: try ToolSignature(parsing: tool.signature),
                                               allowedStates: tool.states, summary: tool.description, invoker: .isolated(isolated)))
                } catch {
                    throw PluginLoadError(pluginID: manifest.id, location: location,
                                          reason: .badToolSignature(tool: tool.name, signature: tool.signature, problem: error.problem))
                }
            }
            return LoadedPlugin(manifest: manifest, manifestURL: manifestURL, origin: origin, isTrusted: isTrusted,
                                backend: .isolated(isolated), hostTable: hostTable, binaryPath: resolved.path, tools: tools)
        }
    }

    /// Where the binary may be: beside the manifest; one folder up when the
    /// manifest sits in a SwiftPM resource bundle; then the host's build folder.
    static func binaryCandidates(for library: String, manifestFolder: URL, bundledFolder: URL?) -> [String] {
        let fileName = PluginManifest.libraryFileName(library)
        if fileName.hasPrefix("/") { return [fileName] }
        var folders = [manifestFolder]
        if manifestFolder.pathExtension == "resources" { folders.append(manifestFolder.deletingLastPathComponent()) }
        if let bundledFolder { folders.append(bundledFolder) }
        var seen = Set<String>()
        return folders.map { $0.appendingPathComponent(fileName).standardizedFileURL.path }.filter { seen.insert($0).inserted }
    }
}
