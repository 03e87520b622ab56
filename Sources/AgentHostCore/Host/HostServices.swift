import CAgentHost
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The `agenthost.services/1` extension: tools, files, the network and
/// programs, each checked against the plugin's declared permissions and the
/// operator's policy. A refusal is answered with AH_ERR_DENIED and recorded
/// on the call's task.
enum HostServices {
    nonisolated(unsafe) static let table: UnsafeMutablePointer<ah_host_services> = {
        let table = UnsafeMutablePointer<ah_host_services>.allocate(capacity: 1)
        table.initialize(to: ah_host_services(struct_size: UInt32(MemoryLayout<ah_host_services>.size),
                                              call_tool: callTool, read_file: readFile, write_file: writeFile,
                                              fetch: fetch, run_command: runCommand, list_files: listFiles,
                                              remove_file: removeFile, http_request: httpRequest))
        return table
    }()

    /// Records and answers a refusal.
    static func deny(_ call: ActiveCall, _ kind: TaskEvent.Kind, _ message: String, _ out: ah_sink) -> ah_status {
        call.record(TaskEvent(taskId: nil, kind: kind, agent: call.plugin.id, detail: message))
        out.send(message)
        return ah_status(AH_ERR_DENIED)
    }

    /// What the plugin passed, checked as `CallbackInput` checks it; nil
    /// when refused, with the refusal answered and recorded.
    static func input(_ text: ah_str, limit: Int, as kind: CallbackInput.Kind = .utf8, what: String, service: String,
                      for call: ActiveCall, _ out: ah_sink) -> [UInt8]? {
        switch CallbackInput.read(text, limit: limit, as: kind, what: what) {
        case .success(let bytes): return bytes
        case .failure(let refusal):
            out.send("\(service) refused: \(refusal)")
            _ = HostTable.refuse(refusal, callback: service, call: call)
            return nil
        }
    }

    static func text(_ text: ah_str, limit: Int, what: String, service: String, for call: ActiveCall, _ out: ah_sink) -> String? {
        input(text, limit: limit, what: what, service: service, for: call, out).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The absolute path `path` names (relative paths start at the
    /// workspace, links and `..` resolved once), or nil when it lies outside
    /// what the manifest and the policy allow; the refusal is then already
    /// answered and recorded, and the service returns AH_ERR_DENIED.
    static func permitted(path: String, for call: ActiveCall, service: String, _ out: ah_sink) -> String? {
        let token = PathAllowList.pluginDataToken
        if path == token || path.hasPrefix(token + "/") { return permitted(dataPath: path, for: call, service: service, out) }
        let workspace = call.host.policy.workspace
        let resolved = PathAllowList.resolve(path, in: workspace)
        guard call.plugin.permissions.paths.contains(resolved: resolved, workspace: workspace) else {
            _ = deny(call, .permissionDenied, "\(service) '\(path)' refused: it is outside what '\(call.plugin.id)' "
                     + "declares (permissions.paths: \(call.plugin.manifest.permissions.paths), workspace \(workspace))", out)
            return nil
        }
        if let allowed = call.host.policy.guardrails(for: call.plugin.id).paths, !allowed.contains(resolved: resolved, workspace: workspace) {
            _ = deny(call, .guardrailTripped, "\(service) '\(path)' refused by the policy's paths allow-list", out)
            return nil
        }
        return resolved
    }

    /// A path in the plugin's own data folder: declared as `$PLUGIN_DATA` in
    /// its paths, never outside that folder, and not subject to the policy's
    /// paths (the host owns the folder).
    private static func permitted(dataPath path: String, for call: ActiveCall, service: String, _ out: ah_sink) -> String? {
        let token = PathAllowList.pluginDataToken
        guard call.plugin.manifest.permissions.paths.contains(token) else {
            _ = deny(call, .permissionDenied, "\(service) '\(path)' refused: '\(call.plugin.id)' does not declare \(token) in permissions.paths", out)
            return nil
        }
        guard let data = call.host.policy.pluginData else {
            // Not a refusal worth recording: an embedded host without a store has no folder to give.
            out.send("\(service) '\(path)': this host has no data folder for plugins (it has no state folder)")
            return nil
        }
        let folder = PathAllowList.resolve(data + "/" + call.plugin.id)
        let resolved = PathAllowList.resolve(folder + path.dropFirst(token.count))
        guard resolved == folder || resolved.hasPrefix(folder + "/") else {
            _ = deny(call, .permissionDenied, "\(service) '\(path)' refused: it leads out of the plugin's data folder", out)
            return nil
        }
        return resolved
    }

    // MARK: - call_tool

    static let callTool: @convention(c) (UnsafePointer<ah_host>?, UInt64, ah_str, ah_str, ah_sink) -> ah_status = {
        host, callID, name, arguments, out in
        guard let call = HostTable.call(callID, of: host) else { return ah_status(AH_ERR_NOT_FOUND) }
        let state = call.options.state
        guard let name = text(name, limit: AH_MAX_KEY_BYTES, what: "the tool name", service: "call_tool", for: call, out),
              let arguments = input(arguments, limit: AH_MAX_PAYLOAD_BYTES, as: .bytes, what: "the arguments", service: "call_tool",
                                    for: call, out) else { return ah_status(AH_ERR_INVALID_ARGUMENT) }
        guard let tool = call.plugin.tool(named: name) else {
            out.send(ToolCallError.unknownTool(plugin: call.plugin.id, tool: name, known: call.plugin.tools.map(\.name)).description)
            return ah_status(AH_ERR_NOT_FOUND)
        }
        if let trip = call.host.countToolCall(call) {
            out.send(trip.description)
            return ah_status(AH_ERR_DENIED)
        }
        do throws(ToolCallError) {
            let values = try tool.arguments(fromJSON: arguments)
            // Masked or not is checked before anyone is asked to approve it.
            try tool.checkUnmasked(in: state)
            var approval: Int64?
            if call.host.policy.approvals.needsApproval(tool: name, of: call.plugin.id) {
                switch call.host.awaitApproval(call, kind: .tool, subject: "\(call.plugin.id)/\(name)", arguments: arguments) {
                case .proceed(let id): approval = id
                case .recorded(let status, let result):
                    out.send(result)
                    return status
                case .denied(let reason): return deny(call, .approvalDecided, reason, out)
                case .cancelled(let reason):
                    out.send(reason)
                    return ah_status(AH_ERR_CANCELLED)
                }
            }
            let result = try call.host.callTool(tool, arguments: values, state: state, within: call)
            if let approval { call.host.recordApproved(call, approval: approval, status: ah_status(AH_OK), result: Array(result.json.utf8)) }
            out.send(result.json)
            return ah_status(AH_OK)
        } catch {
            switch error {
            case .masked: return deny(call, .toolMasked, error.description, out)
            case .guardrail(let trip):
                call.record(.trip(trip))
                out.send(error.description)
                return ah_status(AH_ERR_DENIED)
            default:
                out.send(error.description)
                return ah_status(AH_ERR_INVALID_ARGUMENT)
            }
        }
    }
}

/// A value another thread produces, waited for.
final class BlockingResult<Value: Sendable>: @unchecked Sendable {
    // @unchecked: `value` is written once before the semaphore is signalled
    // and read only after waiting on it.
    private var value: Result<Value, any Error>?
    private let done = DispatchSemaphore(value: 0)

    func finish(_ result: Result<Value, any Error>) {
        value = result
        done.signal()
    }

    func wait() -> Result<Value, any Error> {
        done.wait()
        return value!
    }
}
