import CAgentHost

/// What a plugin binary says about itself: read from its tables in this
/// process, or reported by the child that loaded it. The same checks against
/// the manifest apply either way.
struct PluginBinary: Sendable {
    /// The binary's own description, copied out of `ah_agent_descriptor`.
    struct Descriptor: Sendable {
        var id: String
        var name: String
        var version: String
        var toolchain: String
        var threadSafe: Bool
        var capabilities: [String]
    }

    /// A tool as the binary's tool table declares it.
    struct Tool: Sendable {
        var structSize: UInt32
        var name: String
        var signature: String
        var states: AgentStateSet
        var summary: String
    }

    var abi: PluginManifest.ABIVersion
    var agentStructSize: UInt32
    var descriptorStructSize: UInt32
    var descriptor: Descriptor
    /// nil when the binary offers no tools interface.
    var toolsStructSize: UInt32?
    var hasReleaseString: Bool
    var tools: [Tool]

    /// The first thing about the binary the host refuses, measured against
    /// `manifest` and against the sizes of the first released ABI.
    func problem(with manifest: PluginManifest) -> PluginLoadError.Reason? {
        let sizes: [(String, UInt32?, Int)] = [
            ("ah_agent", agentStructSize, MemoryLayout<ah_agent>.size),
            ("ah_agent_descriptor", descriptorStructSize, MemoryLayout<ah_agent_descriptor>.size),
            ("ah_tools", toolsStructSize, MemoryLayout<ah_tools>.size),
        ] + tools.map { ("ah_tool '\($0.name)'", $0.structSize, MemoryLayout<ah_tool>.size) }
        for (name, size, minimum) in sizes {
            if let size, size < UInt32(minimum) { return .structTooSmall(name: name, size: size, minimum: UInt32(minimum)) }
        }
        for tool in tools {
            let signature: ToolSignature
            do {
                signature = try ToolSignature(parsing: tool.signature)
            } catch {
                return .badToolSignature(tool: tool.name, signature: tool.signature, problem: error.problem)
            }
            // A string the tool returns must go back to the plugin's allocator.
            if signature.result == .str, !hasReleaseString { return .missingReleaseString(tool: tool.name) }
        }
        if abi != manifest.abi {
            return .descriptorMismatch(field: "the ABI version", manifest: "\(manifest.abi)", binary: "\(abi)")
        }
        let binary = descriptor
        if Toolchain.requiresMatch(binary.toolchain), binary.toolchain != Toolchain.host {
            return .toolchainMismatch(plugin: binary.toolchain, host: Toolchain.host)
        }
        if !manifest.toolchain.isEmpty, binary.toolchain != manifest.toolchain {
            return .descriptorMismatch(field: "toolchain", manifest: manifest.toolchain, binary: binary.toolchain)
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
        let builtTools = tools.map { spell($0.name, $0.signature, $0.states) }.sorted()
        if declaredTools != builtTools {
            return .descriptorMismatch(field: "tools", manifest: declaredTools.isEmpty ? "none" : declaredTools.joined(separator: "; "),
                                       binary: builtTools.isEmpty ? "none" : builtTools.joined(separator: "; "))
        }
        return nil
    }
}

extension PluginBinary.Descriptor {
    init(_ raw: ah_agent_descriptor) {
        func text(_ pointer: UnsafePointer<CChar>?) -> String { pointer.map { String(cString: $0) } ?? "" }
        id = text(raw.id)
        name = text(raw.name)
        version = text(raw.version)
        toolchain = text(raw.toolchain)
        threadSafe = raw.flags & UInt32(AH_AGENT_THREAD_SAFE) != 0
        capabilities = (0..<raw.capability_count).map { text(raw.capabilities?[$0]) }
    }
}
