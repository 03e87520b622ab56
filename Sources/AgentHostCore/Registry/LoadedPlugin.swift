import Foundation

/// A plugin that passed every check and was initialised: its manifest, its
/// binary, and what the host precomputed from them for the call path.
public final class LoadedPlugin: Sendable {
    public let manifest: PluginManifest
    public let manifestURL: URL
    public let origin: PluginSearchPath.Origin
    let image: PluginImage
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
    public var binaryPath: String { image.binaryPath }
    public var isThreadSafe: Bool { image.descriptor.threadSafe }
    /// The typed tools, in the order the binary declares them.
    public var tools: [TypedTool] { image.tools }

    public func tool(named name: String) -> TypedTool? { toolsByName[name] }

    /// The tools the agent is shown, and may call, in `state`.
    public func tools(visibleIn state: AgentState) -> [TypedTool] { toolsByState[Int(state.rawValue)] }

    init(manifest: PluginManifest, manifestURL: URL, origin: PluginSearchPath.Origin, image: PluginImage) {
        self.manifest = manifest
        self.manifestURL = manifestURL
        self.origin = origin
        self.image = image
        capabilityBytes = manifest.capabilities.map { Array($0.name.utf8) }
        handoffTargets = Dictionary(manifest.handoffs.map { ($0.target, $0) }, uniquingKeysWith: { first, _ in first })
        toolsByName = Dictionary(image.tools.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        toolsByState = AgentState.allCases.map { state in image.tools.filter { $0.allowedStates.contains(state) } }
        permissions = PluginPermissions(manifest.permissions)
    }
}

extension LoadedPlugin {
    /// Loads the binary `manifest` names and checks it against the manifest.
    static func load(manifest: PluginManifest, manifestURL: URL, origin: PluginSearchPath.Origin,
                     bundledFolder: URL?) throws(PluginLoadError) -> LoadedPlugin {
        let location = manifestURL.path
        let candidates = binaryCandidates(for: manifest.library, manifestFolder: manifestURL.deletingLastPathComponent(),
                                          bundledFolder: bundledFolder)
        guard let binary = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw PluginLoadError(pluginID: manifest.id, location: location, reason: .binaryMissing(searched: candidates))
        }
        let image = try PluginImage.acquire(path: binary, pluginID: manifest.id, location: location) { image throws(PluginLoadError) in
            if let mismatch = image.mismatch(with: manifest) {
                throw PluginLoadError(pluginID: manifest.id, location: location, reason: mismatch)
            }
        }
        return LoadedPlugin(manifest: manifest, manifestURL: manifestURL, origin: origin, image: image)
    }

    /// Where the binary may be: beside the manifest; one folder up when the
    /// manifest sits in a SwiftPM resource bundle; then the host's build folder.
    static func binaryCandidates(for library: String, manifestFolder: URL, bundledFolder: URL?) -> [String] {
        #if canImport(Darwin)
        let fileName = library.contains(".") || library.contains("/") ? library : "lib\(library).dylib"
        #else
        let fileName = library.contains(".") || library.contains("/") ? library : "lib\(library).so"
        #endif
        if fileName.hasPrefix("/") { return [fileName] }
        var folders = [manifestFolder]
        if manifestFolder.pathExtension == "resources" { folders.append(manifestFolder.deletingLastPathComponent()) }
        if let bundledFolder { folders.append(bundledFolder) }
        var seen = Set<String>()
        return folders.map { $0.appendingPathComponent(fileName).standardizedFileURL.path }.filter { seen.insert($0).inserted }
    }
}

extension PluginImage {
    /// The first way the binary disagrees with `manifest`, if any.
    func mismatch(with manifest: PluginManifest) -> PluginLoadError.Reason? {
        if abi != manifest.abi {
            return .descriptorMismatch(field: "the ABI version", manifest: "\(manifest.abi)", binary: "\(abi)")
        }
        let binary = descriptor
        if Toolchain.requiresMatch(binary.toolchain), binary.toolchain != Toolchain.host {
            return .toolchainMismatch(plugin: binary.toolchain, host: Toolchain.host)
        }
        if binary.id != manifest.id { return .descriptorMismatch(field: "id", manifest: manifest.id, binary: binary.id) }
        if binary.version != manifest.version {
            return .descriptorMismatch(field: "version", manifest: manifest.version, binary: binary.version)
        }
        if binary.threadSafe != manifest.threadSafe {
            return .descriptorMismatch(field: "thread_safe", manifest: "\(manifest.threadSafe)", binary: "\(binary.threadSafe)")
        }
        let declared = manifest.capabilities.map(\.name).sorted(), built = binary.capabilities.sorted()
        if declared != built {
            return .descriptorMismatch(field: "capabilities", manifest: declared.joined(separator: ", "),
                                       binary: built.joined(separator: ", "))
        }
        func spell(_ name: String, _ signature: String, _ states: AgentStateSet) -> String { "\(name) \(signature) [\(states)]" }
        let declaredTools = manifest.tools.map { spell($0.name, $0.signature, $0.states) }.sorted()
        let builtTools = binaryTools.map { spell($0.name, $0.signature, $0.states) }.sorted()
        if declaredTools != builtTools {
            return .descriptorMismatch(field: "tools", manifest: declaredTools.isEmpty ? "none" : declaredTools.joined(separator: "; "),
                                       binary: builtTools.isEmpty ? "none" : builtTools.joined(separator: "; "))
        }
        return nil
    }
}
