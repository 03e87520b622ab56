#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import AgentPluginKitEntry
import AgentToolchain
import CAgentHost

/// Connects a Swift ``AgentPlugin`` type to the C ABI. Used only by the
/// plugin's one export line; see ``AgentPlugin``.
public enum AgentPluginExport {
    /// Registers `type` as this binary's plugin and returns the table the
    /// kit's C entry forwards to. Call it from the export line only.
    public static func functions(for type: any AgentPlugin.Type) -> UnsafeRawPointer {
        if Runtime.pluginType == nil { Runtime.pluginType = type }
        return UnsafeRawPointer(Runtime.functions)
    }
}

/// The plugin's state. Each plugin binary has its own copy of the kit, so
/// these are per plugin. Written only in init and deinit, which the ABI runs
/// alone; read by calls in between.
enum Runtime {
    nonisolated(unsafe) static var pluginType: (any AgentPlugin.Type)?
    nonisolated(unsafe) static var plugin: (any AgentPlugin)?
    nonisolated(unsafe) static var host: PluginHost?
    nonisolated(unsafe) static let descriptor = UnsafeMutablePointer<ah_agent_descriptor>.allocate(capacity: 1)
    nonisolated(unsafe) static var tools = UnsafeMutableBufferPointer<ah_tool>(start: nil, count: 0)

    nonisolated(unsafe) static let functions: UnsafeMutablePointer<ahk_plugin_functions> = {
        let table = UnsafeMutablePointer<ahk_plugin_functions>.allocate(capacity: 1)
        table.initialize(to: ahk_plugin_functions(init: initialize, deinit: deinitialize, get_interface: getInterface))
        return table
    }()

    nonisolated(unsafe) static let agent: UnsafeMutablePointer<ah_agent> = {
        let table = UnsafeMutablePointer<ah_agent>.allocate(capacity: 1)
        table.initialize(to: ah_agent(struct_size: UInt32(MemoryLayout<ah_agent>.size), descriptor: describe, call: call, release: release))
        return table
    }()

    nonisolated(unsafe) static let toolTable: UnsafeMutablePointer<ah_tools> = {
        let table = UnsafeMutablePointer<ah_tools>.allocate(capacity: 1)
        table.initialize(to: ah_tools(struct_size: UInt32(MemoryLayout<ah_tools>.size), count: toolCount, get: toolAt,
                                      release_string: StringToolSlots.releaseString))
        return table
    }()

    private static let initialize: @convention(c) (UnsafePointer<ah_host>?, ah_sink) -> ah_status = { host, errorSink in
        guard let host, let type = pluginType else { return ah_status(AH_ERR_INTERNAL) }
        do {
            try describe(type)
            let pluginHost = PluginHost(raw: host)
            plugin = try type.init(host: pluginHost)
            Runtime.host = pluginHost
            return ah_status(AH_OK)
        } catch {
            let message = Array("\(error)".utf8)
            message.withUnsafeBufferPointer { buffer in
                errorSink.write?(errorSink.context, buffer.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, buffer.count)
            }
            return (error as? AgentError)?.status ?? ah_status(AH_ERR_INTERNAL)
        }
    }

    /// Builds the C descriptor and tool table from the Swift declarations.
    /// Their strings are copied once and live as long as the process.
    private static func describe(_ type: any AgentPlugin.Type) throws {
        let declared = type.descriptor
        let capabilities = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: max(declared.capabilities.count, 1))
        for (index, name) in declared.capabilities.enumerated() { capabilities[index] = UnsafePointer(strdup(name)) }
        descriptor.initialize(to: ah_agent_descriptor(
            struct_size: UInt32(MemoryLayout<ah_agent_descriptor>.size),
            flags: declared.threadSafe ? UInt32(AH_AGENT_THREAD_SAFE) : 0,
            id: UnsafePointer(strdup(declared.id)), name: UnsafePointer(strdup(declared.name)),
            version: UnsafePointer(strdup(declared.version)), toolchain: UnsafePointer(strdup(SwiftToolchain.identifier)),
            capability_count: declared.capabilities.count, capabilities: UnsafePointer(capabilities)))
        StringToolSlots.reset()
        let table = try type.tools.map { tool in
            let function: ah_tool_fn = switch tool.binding {
            case .function(let function): function
            case .string(let body): try StringToolSlots.bind(body, name: tool.name)
            }
            return ah_tool(struct_size: UInt32(MemoryLayout<ah_tool>.size), allowed_states: tool.states.rawValue,
                           name: UnsafePointer(strdup(tool.name)), signature: UnsafePointer(strdup(tool.signature)),
                           description: UnsafePointer(strdup(tool.summary)), function: function)
        }
        tools = .allocate(capacity: table.count)
        _ = tools.initialize(from: table)
    }

    private static let deinitialize: @convention(c) () -> Void = {
        plugin = nil
        host = nil
    }

    private static let getInterface: @convention(c) (UnsafePointer<CChar>?) -> UnsafeRawPointer? = { id in
        guard let id else { return nil }
        if strcmp(id, AH_INTERFACE_AGENT) == 0 { return UnsafeRawPointer(agent) }
        if strcmp(id, AH_INTERFACE_TOOLS) == 0 { return tools.isEmpty ? nil : UnsafeRawPointer(toolTable) }
        return nil
    }

    private static let describe: @convention(c) () -> UnsafePointer<ah_agent_descriptor>? = { UnsafePointer(descriptor) }

    private static let toolCount: @convention(c) () -> UInt32 = { UInt32(tools.count) }

    private static let toolAt: @convention(c) (UInt32) -> UnsafePointer<ah_tool>? = { index in
        guard Int(index) < tools.count else { return nil }
        return UnsafePointer(tools.baseAddress! + Int(index))
    }

    private static let call: @convention(c) (UnsafePointer<ah_request>?, UnsafeMutablePointer<ah_response>?) -> ah_status = { request, out in
        guard let request, let out, let plugin, let host else { return ah_status(AH_ERR_INTERNAL) }
        let status: ah_status
        let body: [UInt8]
        do {
            body = try plugin.handle(AgentRequest(request.pointee, host: host)).body
            status = ah_status(AH_OK)
        } catch let error as AgentError {
            body = Array(error.message.utf8)
            status = error.status
        } catch {
            body = Array("\(error)".utf8)
            status = ah_status(AH_ERR_INTERNAL)
        }
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: max(body.count, 1))
        body.withUnsafeBytes { bytes in
            if let source = bytes.baseAddress { UnsafeMutableRawPointer(buffer).copyMemory(from: source, byteCount: bytes.count) }
        }
        out.pointee = ah_response(body: ah_str(data: buffer, len: body.count), release_data: UnsafeMutableRawPointer(buffer))
        return status
    }

    private static let release: @convention(c) (UnsafeMutablePointer<ah_response>?) -> Void = { response in
        response?.pointee.release_data?.assumingMemoryBound(to: CChar.self).deallocate()
    }
}
