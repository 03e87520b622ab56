import CAgentHost

/// The `agenthost.models/1` extension table: reads what the plugin passed
/// as every host callback does, then hands it to the host's model service.
enum ModelService {
    nonisolated(unsafe) static let table: UnsafeMutablePointer<ah_host_models> = {
        let table = UnsafeMutablePointer<ah_host_models>.allocate(capacity: 1)
        table.initialize(to: ah_host_models(struct_size: UInt32(MemoryLayout<ah_host_models>.size), complete: complete, profile: profile))
        return table
    }()

    static let complete: @convention(c) (UnsafePointer<ah_host>?, UInt64, ah_str, ah_sink) -> ah_status = { host, callID, request, events in
        guard let call = HostTable.call(callID, of: host) else { return ah_status(AH_ERR_NOT_FOUND) }
        guard let bytes = HostServices.input(request, limit: Int(AH_MAX_PAYLOAD_BYTES), as: .json, what: "the request", service: "complete",
                                             for: call, events) else { return ah_status(AH_ERR_INVALID_ARGUMENT) }
        return call.host.completeModelCall(call, request: bytes, emit: { events.send($0) })
    }

    static let profile: @convention(c) (UnsafePointer<ah_host>?, UInt64, ah_sink) -> ah_status = { host, callID, out in
        guard let call = HostTable.call(callID, of: host) else { return ah_status(AH_ERR_NOT_FOUND) }
        out.send(call.host.modelCatalog(for: call).profile(answering: call.capability))
        return ah_status(AH_OK)
    }
}
