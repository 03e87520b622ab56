import AgentHostChannel
import CAgentHost

/// Answers the callbacks an isolated plugin makes, by calling the very
/// functions an in-process plugin calls (`ah_host`, the registry and services
/// tables) with the plugin's own host table: the checks are one code path.
enum ChildCallbacks {
    /// How many byte strings each operation carries.
    private static func fieldCount(_ op: UInt64) -> Int? {
        switch Int(op) {
        case Int(AHC_OP_LIST_CAPABILITIES.rawValue): 0
        case Int(AHC_OP_CONTEXT_GET.rawValue), Int(AHC_OP_READ_FILE.rawValue), Int(AHC_OP_FETCH.rawValue),
             Int(AHC_OP_RUN_COMMAND.rawValue), Int(AHC_OP_LIST_FILES.rawValue), Int(AHC_OP_REMOVE_FILE.rawValue),
             Int(AHC_OP_HTTP_REQUEST.rawValue): 1
        case Int(AHC_OP_CONTEXT_SET.rawValue), Int(AHC_OP_DELEGATE.rawValue), Int(AHC_OP_CALL_TOOL.rawValue),
             Int(AHC_OP_WRITE_FILE.rawValue): 2
        case Int(AHC_OP_REQUEST_HANDOFF.rawValue): 3
        default: nil
        }
    }

    /// The AHC_CALLBACK_REPLY frame for one AHC_CALLBACK body.
    static func answer(_ body: [UInt8], host: UnsafeMutablePointer<ah_host>) throws(ChildProcess.ChannelProblem) -> [UInt8] {
        var reader = WireReader(body)
        let op = reader.u64(), callID = reader.u64()
        guard let count = fieldCount(op) else { throw .broken("an unknown callback \(op)") }
        var fields: [Range<Int>] = []
        for _ in 0..<count { fields.append(reader.range()) }
        guard !reader.failed else { throw .broken("a malformed callback") }

        let out = ByteSink(), second = ByteSink()
        var httpStatus: Int32 = 0
        let services = HostServices.table.pointee, registry = HostTable.registryExtension.pointee, table = host.pointee
        let status: ah_status = body.withUnsafeBufferPointer { buffer in
            func field(_ index: Int) -> ah_str { ah_str(bytes: UnsafeBufferPointer(rebasing: buffer[fields[index]])) }
            return out.withSink { sink in
                second.withSink { sink2 in
                    switch Int32(op) {
                    case Int32(AHC_OP_CONTEXT_GET.rawValue): table.context_get!(host, callID, field(0), sink)
                    case Int32(AHC_OP_CONTEXT_SET.rawValue): table.context_set!(host, callID, field(0), field(1))
                    case Int32(AHC_OP_REQUEST_HANDOFF.rawValue): table.request_handoff!(host, callID, field(0), field(1), field(2))
                    case Int32(AHC_OP_DELEGATE.rawValue): table.delegate!(host, callID, field(0), field(1), sink)
                    case Int32(AHC_OP_LIST_CAPABILITIES.rawValue): registry.list_capabilities!(host, callID, sink)
                    case Int32(AHC_OP_CALL_TOOL.rawValue): services.call_tool!(host, callID, field(0), field(1), sink)
                    case Int32(AHC_OP_READ_FILE.rawValue): services.read_file!(host, callID, field(0), sink)
                    case Int32(AHC_OP_WRITE_FILE.rawValue): services.write_file!(host, callID, field(0), field(1), sink)
                    case Int32(AHC_OP_FETCH.rawValue): services.fetch!(host, callID, field(0), &httpStatus, sink)
                    case Int32(AHC_OP_RUN_COMMAND.rawValue): services.run_command!(host, callID, field(0), sink)
                    case Int32(AHC_OP_LIST_FILES.rawValue): services.list_files!(host, callID, field(0), sink)
                    case Int32(AHC_OP_REMOVE_FILE.rawValue): services.remove_file!(host, callID, field(0), sink)
                    default: services.http_request!(host, callID, field(0), sink, sink2)
                    }
                }
            }
        }
        var writer = WireWriter(capacity: out.bytes.count + second.bytes.count + 32)
        writer.u64(UInt64(UInt32(bitPattern: status)))
        if op == UInt64(AHC_OP_FETCH.rawValue) { writer.u64(UInt64(UInt32(bitPattern: httpStatus))) }
        writer.str(out.bytes)
        if op == UInt64(AHC_OP_HTTP_REQUEST.rawValue) { writer.str(second.bytes) }
        return writer.frame(AHC_CALLBACK_REPLY)
    }

    /// Passes an AHC_PROGRESS report on, as the in-process callback would.
    static func progress(_ body: [UInt8], host: UnsafeMutablePointer<ah_host>) {
        var reader = WireReader(body)
        let callID = reader.u64(), fraction = Double(bitPattern: reader.u64())
        let message = reader.range(limit: Int(AH_MAX_LOG_BYTES))
        guard !reader.failed else { return }
        body.withUnsafeBufferPointer { buffer in
            host.pointee.progress!(host, callID, fraction, ah_str(bytes: UnsafeBufferPointer(rebasing: buffer[message])))
        }
    }
}
