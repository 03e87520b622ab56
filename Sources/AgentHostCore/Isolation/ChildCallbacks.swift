import AgentHostChannel
import CAgentHost

/// Answers the callbacks an isolated plugin makes, by calling the very
/// functions an in-process plugin calls (`ah_host`, the registry and services
/// tables) with the plugin's own host table: the checks are one code path.
enum ChildCallbacks {
    /// How many byte strings each operation carries.
    /// The operation `raw` names (any u64 the child sent), or nil.
    private static func operation(_ raw: UInt64) -> ahc_op? {
        guard raw >= UInt64(AHC_OP_CONTEXT_GET.rawValue), raw <= UInt64(AHC_OP_MODEL_PROFILE.rawValue) else { return nil }
        return ahc_op(rawValue: UInt32(raw))
    }

    /// How many byte strings each operation carries.
    private static func fieldCount(_ op: ahc_op) -> Int {
        switch op {
        case AHC_OP_LIST_CAPABILITIES, AHC_OP_MODEL_PROFILE: 0
        case AHC_OP_CONTEXT_SET, AHC_OP_DELEGATE, AHC_OP_CALL_TOOL, AHC_OP_WRITE_FILE: 2
        case AHC_OP_REQUEST_HANDOFF: 3
        default: 1
        }
    }

    /// The AHC_CALLBACK_REPLY frame for one AHC_CALLBACK body.
    /// `servedCall` is the call the child is serving; a callback naming any
    /// other (a sibling's, guessed) breaks the protocol.
    /// `stream` sends what a streaming service (the model service's events)
    /// writes to the child at once, ahead of the reply.
    static func answer(_ body: [UInt8], host: UnsafeMutablePointer<ah_host>, servedCall: UInt64,
                       stream: ([UInt8]) -> Void) throws(ChildProcess.ChannelProblem) -> [UInt8] {
        var reader = WireReader(body)
        let raw = reader.u64(), callID = reader.u64()
        guard let op = operation(raw) else { throw .broken("an unknown callback \(raw)") }
        guard callID == servedCall else { throw .broken("a callback for call \(callID), while it serves call \(servedCall)") }
        var fields: [Range<Int>] = []
        for _ in 0..<fieldCount(op) { fields.append(reader.range()) }
        guard !reader.failed else { throw .broken("a malformed callback") }

        let outSink = ByteSink(), secondSink = ByteSink()
        var httpStatus: Int32 = 0
        let services = HostServices.table.pointee, registry = HostTable.registryExtension.pointee, table = host.pointee
        let models = ModelService.table.pointee
        let answered: ah_status = body.withUnsafeBufferPointer { buffer in
            func field(_ index: Int) -> ah_str { ah_str(bytes: UnsafeBufferPointer(rebasing: buffer[fields[index]])) }
            return outSink.withSink { sink in
                secondSink.withSink { sink2 in
                    switch op {
                    case AHC_OP_CONTEXT_GET: table.context_get!(host, callID, field(0), sink)
                    case AHC_OP_CONTEXT_SET: table.context_set!(host, callID, field(0), field(1))
                    case AHC_OP_REQUEST_HANDOFF: table.request_handoff!(host, callID, field(0), field(1), field(2))
                    case AHC_OP_DELEGATE: table.delegate!(host, callID, field(0), field(1), sink)
                    case AHC_OP_LIST_CAPABILITIES: registry.list_capabilities!(host, callID, sink)
                    case AHC_OP_CALL_TOOL: services.call_tool!(host, callID, field(0), field(1), sink)
                    case AHC_OP_READ_FILE: services.read_file!(host, callID, field(0), sink)
                    case AHC_OP_WRITE_FILE: services.write_file!(host, callID, field(0), field(1), sink)
                    case AHC_OP_FETCH: services.fetch!(host, callID, field(0), &httpStatus, sink)
                    case AHC_OP_RUN_COMMAND: services.run_command!(host, callID, field(0), sink)
                    case AHC_OP_LIST_FILES: services.list_files!(host, callID, field(0), sink)
                    case AHC_OP_REMOVE_FILE: services.remove_file!(host, callID, field(0), sink)
                    case AHC_OP_MODEL_PROFILE: models.profile!(host, callID, sink)
                    case AHC_OP_MODEL_COMPLETE:
                        withoutActuallyEscaping(stream) { stream in
                            StreamSink(stream).withSink { models.complete!(host, callID, field(0), $0) }
                        }
                    default: services.http_request!(host, callID, field(0), sink, sink2)
                    }
                }
            }
        }
        var status = answered
        var out = outSink.bytes, second = secondSink.bytes
        // Nothing larger than the child accepts: a service answer past the
        // limit is refused here, as an error of the service, not of the plugin.
        if out.count + second.count > Int(AH_MAX_PAYLOAD_BYTES) {
            out = Array("the answer of \(out.count + second.count) bytes is over the limit of \(AH_MAX_PAYLOAD_BYTES) bytes; ask for less".utf8)
            second = []
            status = ah_status(AH_ERR_UNAVAILABLE)
            httpStatus = 0
        }
        var writer = WireWriter(capacity: out.count + second.count + 32)
        writer.u64(UInt64(UInt32(bitPattern: status)))
        if op == AHC_OP_FETCH { writer.u64(UInt64(UInt32(bitPattern: httpStatus))) }
        writer.str(out)
        if op == AHC_OP_HTTP_REQUEST { writer.str(second) }
        return writer.frame(AHC_CALLBACK_REPLY)
    }

    /// An `ah_sink` whose every write goes straight to a closure.
    private final class StreamSink {
        let forward: ([UInt8]) -> Void
        init(_ forward: @escaping ([UInt8]) -> Void) { self.forward = forward }

        func withSink<R>(_ body: (ah_sink) -> R) -> R {
            withExtendedLifetime(self) { body(ah_sink(context: Unmanaged.passUnretained(self).toOpaque(), write: StreamSink.write)) }
        }

        private static let write: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?, Int) -> Void = { context, data, length in
            guard let context, let data, length > 0 else { return }
            Unmanaged<StreamSink>.fromOpaque(context).takeUnretainedValue().forward(Array(UnsafeRawBufferPointer(start: data, count: length)))
        }
    }

    /// Passes an AHC_PROGRESS report on, as the in-process callback would.
    static func progress(_ body: [UInt8], host: UnsafeMutablePointer<ah_host>, servedCall: UInt64) {
        var reader = WireReader(body)
        let callID = reader.u64(), fraction = Double(bitPattern: reader.u64())
        let message = reader.range(limit: Int(AH_MAX_LOG_BYTES))
        guard !reader.failed, callID == servedCall else { return }
        body.withUnsafeBufferPointer { buffer in
            host.pointee.progress!(host, callID, fraction, ah_str(bytes: UnsafeBufferPointer(rebasing: buffer[message])))
        }
    }
}
