import CAgentHost
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A plugin binary loaded into this process: its entry, its interfaces, and the
/// host table it was given. A binary is loaded and initialised once per process
/// and never unloaded (Swift and Rust images cannot be unloaded safely), so
/// every registry that uses the same file shares one image.
final class PluginImage: @unchecked Sendable {
    // @unchecked: every stored property is set in init and only read after;
    // the pointers point at plugin-owned constant tables and a host table that
    // lives as long as the process.

    let binaryPath: String
    let entry: UnsafePointer<ah_plugin_entry>
    let agent: UnsafePointer<ah_agent>
    let host: UnsafeMutablePointer<ah_host>
    let binary: PluginBinary
    let tools: [TypedTool]
    let gate: CallGate

    private init(binaryPath: String, entry: UnsafePointer<ah_plugin_entry>, agent: UnsafePointer<ah_agent>,
                 host: UnsafeMutablePointer<ah_host>, binary: PluginBinary, tools: [TypedTool], gate: CallGate) {
        self.binaryPath = binaryPath
        self.entry = entry
        self.agent = agent
        self.host = host
        self.binary = binary
        self.tools = tools
        self.gate = gate
    }

    var descriptor: PluginBinary.Descriptor { binary.descriptor }

    /// The smallest entry struct any released ABI version has: v1's.
    static let minimumEntrySize = UInt32(MemoryLayout<ah_plugin_entry>.size)

    // MARK: - Loading

    private static let cache = Mutex<[String: PluginImage]>([:])

    /// Returns the image of the binary at `path`, loading and initialising it
    /// if this process has not yet. `accept` checks the image against the
    /// manifest that asked for it; an image that a first `accept` refuses is
    /// de-initialised and not kept, so a fixed plugin can be loaded later.
    static func acquire(path: String, pluginID: String, location: String,
                        accept: (PluginImage) throws(PluginLoadError) -> Void) throws(PluginLoadError) -> PluginImage {
        var key = path
        if let resolved = realpath(path, nil) {
            key = String(cString: resolved)
            free(resolved)
        }
        return try cache.withLock { images throws(PluginLoadError) in
            if let image = images[key] {
                try accept(image)
                return image
            }
            let image = try load(path: key, pluginID: pluginID, location: location)
            do throws(PluginLoadError) {
                try accept(image)
            } catch {
                image.entry.pointee.deinit?()
                throw error
            }
            images[key] = image
            return image
        }
    }

    /// Calls `deinit` on every image, after the last call into any of them.
    /// The libraries stay mapped.
    static func shutdownAll() {
        cache.withLock { images in
            for image in images.values { image.entry.pointee.deinit?() }
            images.removeAll()
        }
    }

    private static func load(path: String, pluginID: String, location: String) throws(PluginLoadError) -> PluginImage {
        func refuse(_ reason: PluginLoadError.Reason) -> PluginLoadError {
            PluginLoadError(pluginID: pluginID, location: location, reason: reason)
        }
        dlerror()
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE) else {
            throw refuse(.notASharedLibrary(dlerror().map { String(cString: $0) } ?? "dlopen failed"))
        }
        // Never dlclose: RTLD_NODELETE keeps the image mapped for the process's life.
        guard let symbol = dlsym(handle, "agenthost_plugin_entry") else { throw refuse(.missingEntrySymbol) }
        let entry = symbol.assumingMemoryBound(to: ah_plugin_entry.self)

        // Only the first three fields may be read before the version checks.
        let major = entry.pointee.abi_major, minor = entry.pointee.abi_minor
        guard major == UInt32(AGENTHOST_ABI_MAJOR) else { throw refuse(.abiMajorMismatch(plugin: major, host: UInt32(AGENTHOST_ABI_MAJOR))) }
        guard minor <= UInt32(AGENTHOST_ABI_MINOR) else { throw refuse(.abiMinorTooNew(plugin: minor, host: UInt32(AGENTHOST_ABI_MINOR))) }
        guard entry.pointee.struct_size >= minimumEntrySize else { throw refuse(.entryTooSmall(entry.pointee.struct_size)) }
        guard let initialize = entry.pointee.`init`, let getInterface = entry.pointee.get_interface else {
            throw refuse(.initFailed(status: AgentStatus.internalError.rawValue, message: "the entry's init or get_interface is NULL"))
        }

        let host = HostTable.make(for: PluginHostContext(pluginID: pluginID))
        let errorSink = ByteSink()
        let status = errorSink.withSink { initialize(host, $0) }
        guard status == AH_OK else { throw refuse(.initFailed(status: status, message: errorSink.text)) }

        do throws(PluginLoadError) {
            guard let agentPointer = getInterface(AH_INTERFACE_AGENT) else { throw refuse(.missingInterface(AH_INTERFACE_AGENT)) }
            let agent = agentPointer.assumingMemoryBound(to: ah_agent.self)
            // Sizes first: no field is read past what the plugin says it has.
            let agentSize = agent.pointee.struct_size
            guard agentSize >= UInt32(MemoryLayout<ah_agent>.size) else {
                throw refuse(.structTooSmall(name: "ah_agent", size: agentSize, minimum: UInt32(MemoryLayout<ah_agent>.size)))
            }
            guard agent.pointee.descriptor != nil, agent.pointee.call != nil, agent.pointee.release != nil,
                  let descriptorPointer = agent.pointee.descriptor?() else {
                throw refuse(.missingInterface("\(AH_INTERFACE_AGENT) (descriptor, call and release must be set)"))
            }
            let descriptorSize = descriptorPointer.pointee.struct_size
            guard descriptorSize >= UInt32(MemoryLayout<ah_agent_descriptor>.size) else {
                throw refuse(.structTooSmall(name: "ah_agent_descriptor", size: descriptorSize,
                                             minimum: UInt32(MemoryLayout<ah_agent_descriptor>.size)))
            }
            let descriptor = PluginBinary.Descriptor(descriptorPointer.pointee)
            let gate = CallGate(threadSafe: descriptor.threadSafe)
            var binary = PluginBinary(abi: .init(major: major, minor: minor), agentStructSize: agentSize,
                                      descriptorStructSize: descriptorSize, descriptor: descriptor, toolsStructSize: nil,
                                      hasReleaseString: false, tools: [])
            var tools: [TypedTool] = []
            if let toolsPointer = getInterface(AH_INTERFACE_TOOLS) {
                let tableSize = toolsPointer.assumingMemoryBound(to: UInt32.self).pointee
                guard tableSize >= UInt32(MemoryLayout<ah_tools>.size) else {
                    throw refuse(.structTooSmall(name: "ah_tools", size: tableSize, minimum: UInt32(MemoryLayout<ah_tools>.size)))
                }
                let table = toolsPointer.assumingMemoryBound(to: ah_tools.self).pointee
                binary.toolsStructSize = tableSize
                binary.hasReleaseString = table.release_string != nil
                let count = min(table.count?() ?? 0, 4096)
                for index in 0..<count {
                    guard let toolPointer = table.get?(index) else {
                        throw refuse(.missingInterface("\(AH_INTERFACE_TOOLS) (tool \(index) is NULL)"))
                    }
                    let toolSize = toolPointer.pointee.struct_size
                    guard toolSize >= UInt32(MemoryLayout<ah_tool>.size) else {
                        throw refuse(.structTooSmall(name: "ah_tool \(index)", size: toolSize, minimum: UInt32(MemoryLayout<ah_tool>.size)))
                    }
                    let tool = toolPointer.pointee
                    guard let name = tool.name, let signatureText = tool.signature, tool.function != nil else {
                        throw refuse(.missingInterface("\(AH_INTERFACE_TOOLS) (tool \(index) lacks a name, signature or function)"))
                    }
                    binary.tools.append(PluginBinary.Tool(structSize: toolSize, name: String(cString: name),
                                                          signature: String(cString: signatureText),
                                                          states: AgentStateSet(rawValue: tool.allowed_states),
                                                          summary: tool.description.map { String(cString: $0) } ?? ""))
                }
                for (index, tool) in binary.tools.enumerated() {
                    guard let function = table.get?(UInt32(index))?.pointee.function else { continue }
                    do {
                        tools.append(try TypedTool(pluginID: descriptor.id, name: tool.name,
                                                   signature: try ToolSignature(parsing: tool.signature),
                                                   allowedStates: tool.states, summary: tool.summary,
                                                   invoker: .native(function: function, gate: gate, releaseString: table.release_string)))
                    } catch {
                        throw refuse(.badToolSignature(tool: tool.name, signature: tool.signature, problem: error.problem))
                    }
                }
            }
            return PluginImage(binaryPath: path, entry: entry, agent: agent, host: host, binary: binary, tools: tools, gate: gate)
        } catch {
            entry.pointee.deinit?()
            throw error
        }
    }
}
