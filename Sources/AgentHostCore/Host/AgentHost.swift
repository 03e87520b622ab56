import CAgentHost
import Foundation

/// The runtime's front door: the plugins it loaded, and calls into them.
///
/// Calls are synchronous and run on the caller's thread: the plugin's work
/// happens there, and the host adds only the envelope, a lookup and, for a
/// plugin that is not thread-safe, a lock.
public final class AgentHost: Sendable {
    public let registry: PluginRegistry
    /// The shared memory of calls that bring none of their own.
    public let sharedContext = SharedContext()

    /// The host's semantic version, as the CLI and plugins (`ah_host.host_version`) see it.
    public static let version = "0.1.0"

    /// How deep plugins may delegate to each other before the host refuses.
    public static let maximumDelegationDepth = 8

    public init(registry: PluginRegistry) {
        self.registry = registry
    }

    /// Finds and loads every plugin on `searchPath`.
    public convenience init(searchPath: PluginSearchPath = .standard()) {
        self.init(registry: PluginRegistry(searchPath: searchPath))
    }

    /// De-initialises every plugin image in the process. Call once, after the
    /// last call has returned; plugins are not loaded again afterwards.
    public static func shutdown() { PluginImage.shutdownAll() }

    /// Routes `capability` to the agent that declares it and calls it.
    public func call(_ capability: String, payload: [UInt8], options: CallOptions = CallOptions()) throws(AgentCallError) -> AgentResponse {
        guard let (plugin, index) = registry.provider(of: capability) else {
            throw .noAgent(capability: capability, suggestions: registry.suggestions(for: capability))
        }
        return try perform(plugin, capabilityIndex: index, payload: payload, options: options, parent: nil)
    }

    public func call(_ capability: String, json: String, options: CallOptions = CallOptions()) throws(AgentCallError) -> AgentResponse {
        try call(capability, payload: Array(json.utf8), options: options)
    }

    /// The typed tool `name` of plugin `pluginID`.
    public func tool(_ name: String, of pluginID: String) throws(ToolCallError) -> TypedTool {
        guard let plugin = registry.plugin(id: pluginID), let tool = plugin.tool(named: name) else {
            throw .unknownTool(plugin: pluginID, tool: name, known: registry.plugin(id: pluginID)?.tools.map(\.name) ?? [])
        }
        return tool
    }

    /// A sub-task a plugin asked for through the `delegate` callback.
    func delegate(from parent: ActiveCall, capability: String, payload: [UInt8]) throws(AgentCallError) -> AgentResponse {
        guard let (plugin, index) = registry.provider(of: capability) else {
            throw .noAgent(capability: capability, suggestions: registry.suggestions(for: capability))
        }
        guard parent.depth + 1 < Self.maximumDelegationDepth else {
            throw .delegationRefused(capability: capability, reason: "more than \(Self.maximumDelegationDepth) nested delegations")
        }
        if !plugin.isThreadSafe, parent.chainContains(plugin) {
            throw .delegationRefused(capability: capability,
                                     reason: "'\(plugin.id)' is not thread-safe and is already in this call chain")
        }
        var options = parent.options
        options.progress = nil
        return try perform(plugin, capabilityIndex: index, payload: payload, options: options, parent: parent)
    }

    private func perform(_ plugin: LoadedPlugin, capabilityIndex: Int, payload: [UInt8], options: CallOptions,
                         parent: ActiveCall?) throws(AgentCallError) -> AgentResponse {
        let call = ActiveCall(host: self, plugin: plugin, options: options, parent: parent)
        CallRegistry.shared.register(call)
        defer { CallRegistry.shared.unregister(call) }
        let (status, body) = plugin.invoke(capabilityIndex: capabilityIndex, payload: payload, call: call)
        let capability = plugin.manifest.capabilities[capabilityIndex].name
        guard status == .ok else {
            throw .agentFailed(agent: plugin.id, capability: capability, status: status, message: String(decoding: body, as: UTF8.self))
        }
        return AgentResponse(agent: plugin.id, capability: capability, body: body, handoffs: call.recordedHandoffs)
    }
}

extension LoadedPlugin {
    /// One round trip through the C ABI: envelope as struct fields, payload
    /// as bytes, the response copied out and released under the plugin's gate.
    func invoke(capabilityIndex: Int, payload: [UInt8], call: ActiveCall) -> (AgentStatus, [UInt8]) {
        let agent = image.agent.pointee
        var taskID = call.options.taskID
        return taskID.withUTF8 { task in
            capabilityBytes[capabilityIndex].withUnsafeBufferPointer { capability in
                payload.withUnsafeBufferPointer { payload in
                    var request = ah_request(
                        struct_size: UInt32(MemoryLayout<ah_request>.size),
                        state: call.options.state.rawValue,
                        call_id: call.id,
                        deadline_ns: call.deadlineNanoseconds,
                        task_id: ah_str(bytes: task),
                        capability: ah_str(bytes: capability),
                        payload: ah_str(bytes: payload))
                    return image.gate.enter {
                        var response = ah_response()
                        let status = agent.call!(&request, &response)
                        let body = response.body.bytes
                        agent.release!(&response)
                        return (AgentStatus(code: status), body)
                    }
                }
            }
        }
    }
}

extension ah_str {
    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.init(data: bytes.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, len: bytes.count)
    }
}
