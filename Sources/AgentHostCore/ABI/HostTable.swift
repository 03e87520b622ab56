import CAgentHost
import Logging
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Builds the `ah_host` table each plugin receives at `init`, and implements
/// its callbacks. The tables live as long as the process, like the images.
enum HostTable {
    nonisolated(unsafe) private static let name = makeStatic("agenthost")
    nonisolated(unsafe) private static let versionText = makeStatic(AgentHost.version)

    nonisolated(unsafe) static let registryExtension: UnsafeMutablePointer<ah_host_registry> = {
        let table = UnsafeMutablePointer<ah_host_registry>.allocate(capacity: 1)
        table.initialize(to: ah_host_registry(struct_size: UInt32(MemoryLayout<ah_host_registry>.size),
                                              list_capabilities: listCapabilities))
        return table
    }()

    static func make(for context: PluginHostContext) -> UnsafeMutablePointer<ah_host> {
        let table = UnsafeMutablePointer<ah_host>.allocate(capacity: 1)
        table.initialize(to: ah_host(
            struct_size: UInt32(MemoryLayout<ah_host>.size),
            abi_major: UInt32(AGENTHOST_ABI_MAJOR),
            abi_minor: UInt32(AGENTHOST_ABI_MINOR),
            host_name: name,
            host_version: versionText,
            host_data: Unmanaged.passRetained(context).toOpaque(),
            log: log,
            context_get: contextGet,
            context_set: contextSet,
            request_handoff: requestHandoff,
            delegate: delegate,
            progress: progress,
            is_cancelled: isCancelled,
            get_extension: getExtension))
        return table
    }

    private static func makeStatic(_ text: String) -> ah_str {
        let copy = strdup(text)!
        return ah_str(data: UnsafePointer(copy), len: strlen(copy))
    }

    private static func context(of host: UnsafePointer<ah_host>?) -> PluginHostContext? {
        guard let data = host?.pointee.host_data else { return nil }
        return Unmanaged<PluginHostContext>.fromOpaque(data).takeUnretainedValue()
    }

    /// The running call `callID`, if it belongs to the plugin that owns `host`.
    static func call(_ callID: UInt64, of host: UnsafePointer<ah_host>?) -> ActiveCall? {
        guard let host, let call = CallRegistry.shared.call(callID), call.plugin.hostTable == UnsafeMutablePointer(mutating: host) else {
            return nil
        }
        return call
    }

    // MARK: - Callbacks

    /// Refuses a callback's input: recorded on the call, logged, and answered
    /// AH_ERR_INVALID_ARGUMENT.
    static func refuse(_ refusal: CallbackRefusal, callback: String, call: ActiveCall) -> ah_status {
        call.record(TaskEvent(taskId: nil, kind: .callbackRefused, agent: call.plugin.id, detail: "\(callback): \(refusal)"))
        context(of: call.plugin.hostTable)?.logger.warning("\(callback) refused: \(refusal)", metadata: ["call": "\(call.id)"])
        return ah_status(AH_ERR_INVALID_ARGUMENT)
    }

    private static let log: @convention(c) (UnsafePointer<ah_host>?, UInt64, ah_log_level, ah_str) -> Void = { host, callID, level, message in
        guard let context = context(of: host) else { return }
        guard case .success(let text) = CallbackInput.string(message, limit: AH_MAX_LOG_BYTES, what: "the message") else {
            context.logger.warning("log refused: a message of \(message.len) bytes over the limit of \(AH_MAX_LOG_BYTES), NULL, or not UTF-8")
            return
        }
        let level: Logger.Level = switch Int(level) {
        case AH_LOG_TRACE: .trace
        case AH_LOG_DEBUG: .debug
        case AH_LOG_INFO: .info
        case AH_LOG_WARNING: .warning
        default: .error
        }
        var metadata: Logger.Metadata = [:]
        if callID != 0 {
            metadata["call"] = "\(callID)"
            // The call's work, so a log line can be found from its task, run or trace, and the other way round.
            if let call = call(callID, of: host) { metadata.merge(call.logMetadata) { _, new in new } }
        }
        context.logger.log(level: level, "\(text)", metadata: metadata)
    }

    private static let contextGet: @convention(c) (UnsafePointer<ah_host>?, UInt64, ah_str, ah_sink) -> ah_status = { host, callID, key, out in
        guard let call = call(callID, of: host) else { return ah_status(AH_ERR_NOT_FOUND) }
        let name: String
        switch CallbackInput.string(key, limit: AH_MAX_KEY_BYTES, what: "the key") {
        case .success(let text): name = text
        case .failure(let refusal): return refuse(refusal, callback: "context_get", call: call)
        }
        guard let value = call.context.value(for: name) else { return ah_status(AH_ERR_NOT_FOUND) }
        out.send(value)
        return ah_status(AH_OK)
    }

    private static let contextSet: @convention(c) (UnsafePointer<ah_host>?, UInt64, ah_str, ah_str) -> ah_status = { host, callID, key, value in
        guard let call = call(callID, of: host) else { return ah_status(AH_ERR_NOT_FOUND) }
        let name: String, bytes: [UInt8]
        switch CallbackInput.string(key, limit: AH_MAX_KEY_BYTES, what: "the key") {
        case .success(let text): name = text
        case .failure(let refusal): return refuse(refusal, callback: "context_set", call: call)
        }
        switch CallbackInput.read(value, limit: AH_MAX_VALUE_BYTES, as: .jsonOrEmpty, what: "the value of '\(name)'") {
        case .success(let value): bytes = value
        case .failure(let refusal): return refuse(refusal, callback: "context_set", call: call)
        }
        if let full = call.context.setValueWithinLimits(bytes.isEmpty ? nil : bytes, for: name) {
            return refuse(CallbackRefusal(full), callback: "context_set", call: call)
        }
        return ah_status(AH_OK)
    }

    private static let requestHandoff: @convention(c) (UnsafePointer<ah_host>?, UInt64, ah_str, ah_str, ah_str) -> ah_status = {
        host, callID, target, reason, context in
        guard let call = call(callID, of: host), let owner = HostTable.context(of: host) else { return ah_status(AH_ERR_NOT_FOUND) }
        let request: HandoffRequest
        switch (CallbackInput.string(target, limit: AH_MAX_KEY_BYTES, what: "the target"),
                CallbackInput.string(reason, limit: AH_MAX_LOG_BYTES, what: "the reason"),
                CallbackInput.read(context, limit: AH_MAX_VALUE_BYTES, as: .jsonOrEmpty, what: "the context")) {
        case (.success(let target), .success(let reason), .success(let context)):
            request = HandoffRequest(from: call.plugin.id, to: target, reason: reason, context: context)
        case (.failure(let refusal), _, _), (_, .failure(let refusal), _), (_, _, .failure(let refusal)):
            return refuse(refusal, callback: "request_handoff", call: call)
        }
        // Only the first handoff is carried out; a few more are recorded as ignored, no more.
        guard call.recordedHandoffs.count < 8 else {
            return refuse(CallbackRefusal("the call has asked for 8 handoffs already"), callback: "request_handoff", call: call)
        }
        guard call.plugin.handoffTargets[request.target] != nil else {
            let refusal = HandoffError.undeclared(source: call.plugin.id, target: request.target,
                                                  declared: call.plugin.manifest.handoffs.map(\.target))
            call.record(.refusedHandoff(refusal, agent: call.plugin.id))
            owner.logger.warning("refused handoff to undeclared target '\(request.target)'",
                                       metadata: ["call": "\(callID)", "declared": "\(call.plugin.manifest.handoffs)"])
            return ah_status(AH_ERR_DENIED)
        }
        call.recordHandoff(request)
        return ah_status(AH_OK)
    }

    private static let delegate: @convention(c) (UnsafePointer<ah_host>?, UInt64, ah_str, ah_str, ah_sink) -> ah_status = {
        host, callID, capability, payload, out in
        guard let call = call(callID, of: host) else { return ah_status(AH_ERR_NOT_FOUND) }
        let name: String, input: [UInt8]
        switch (CallbackInput.string(capability, limit: AH_MAX_KEY_BYTES, what: "the capability"),
                CallbackInput.read(payload, limit: AH_MAX_PAYLOAD_BYTES, as: .json, what: "the payload")) {
        case (.success(let capability), .success(let payload)): (name, input) = (capability, payload)
        case (.failure(let refusal), _), (_, .failure(let refusal)):
            out.send("delegate refused: \(refusal)")
            return refuse(refusal, callback: "delegate", call: call)
        }
        if let trip = call.host.countToolCall(call) {
            out.send(trip.description)
            return ah_status(AH_ERR_DENIED)
        }
        var approval: Int64?
        if call.host.policy.approvals.capabilities.contains(name) {
            switch call.host.awaitApproval(call, kind: .capability, subject: name, arguments: input) {
            case .proceed(let id): approval = id
            case .recorded(let status, let result):
                out.send(result)
                return status
            case .denied(let reason):
                return HostServices.deny(call, .approvalDecided, reason, out)
            case .cancelled(let reason):
                out.send(reason)
                return ah_status(AH_ERR_CANCELLED)
            }
        }
        let status: ah_status, answer: [UInt8]
        do throws(AgentCallError) {
            let response = try call.host.delegate(from: call, capability: name, payload: input)
            (status, answer) = (ah_status(AH_OK), response.body)
        } catch {
            (status, answer) = (error.status.rawValue, Array(error.description.utf8))
        }
        if let approval { call.host.recordApproved(call, approval: approval, status: status, result: answer) }
        out.send(answer)
        return status
    }

    private static let progress: @convention(c) (UnsafePointer<ah_host>?, UInt64, Double, ah_str) -> Void = { host, callID, fraction, message in
        guard let call = call(callID, of: host), let report = call.options.progress,
              case .success(let text) = CallbackInput.string(message, limit: AH_MAX_LOG_BYTES, what: "the message") else { return }
        report(ProgressReport(fraction: fraction.isNaN || fraction < 0 ? nil : min(fraction, 1), message: text))
    }

    private static let isCancelled: @convention(c) (UnsafePointer<ah_host>?, UInt64) -> Bool = { host, callID in
        guard let call = call(callID, of: host) else { return true }
        return call.isCancelled
    }

    private static let getExtension: @convention(c) (UnsafePointer<ah_host>?, UnsafePointer<CChar>?) -> UnsafeRawPointer? = { _, id in
        guard let id else { return nil }
        switch String(cString: id) {
        case AH_EXTENSION_REGISTRY: return UnsafeRawPointer(registryExtension)
        case AH_EXTENSION_SERVICES: return UnsafeRawPointer(HostServices.table)
        case AH_EXTENSION_MODELS: return UnsafeRawPointer(ModelService.table)
        default: return nil
        }
    }

    private static let listCapabilities: @convention(c) (UnsafePointer<ah_host>?, UInt64, ah_sink) -> ah_status = { host, callID, out in
        guard let call = call(callID, of: host) else { return ah_status(AH_ERR_NOT_FOUND) }
        out.send(call.host.registry.capabilitiesJSON)
        return ah_status(AH_OK)
    }
}
