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
                                              fetch: fetch, run_command: runCommand))
        return table
    }()

    /// Records and answers a refusal.
    private static func deny(_ call: ActiveCall, _ kind: TaskEvent.Kind, _ message: String, _ out: ah_sink) -> ah_status {
        call.record(TaskEvent(taskId: nil, kind: kind, agent: call.plugin.id, detail: message))
        out.send(message)
        return ah_status(AH_ERR_DENIED)
    }

    private static func permitted(path: String, for call: ActiveCall, service: String, _ out: ah_sink) -> ah_status? {
        guard call.plugin.permissions.paths.allows(path) else {
            return deny(call, .permissionDenied, "\(service) '\(path)' refused: '\(call.plugin.id)' declares no permission for it "
                        + "(permissions.paths: \(call.plugin.manifest.permissions.paths))", out)
        }
        if let allowed = call.host.policy.guardrails(for: call.plugin.id).paths, !allowed.allows(path) {
            return deny(call, .guardrailTripped, "\(service) '\(path)' refused by the policy's paths allow-list", out)
        }
        return nil
    }

    // MARK: - call_tool

    private static let callTool: @convention(c) (UnsafePointer<ah_host>?, UInt64, ah_str, ah_str, ah_sink) -> ah_status = {
        host, callID, name, arguments, out in
        guard let call = HostTable.call(callID, of: host) else { return ah_status(AH_ERR_NOT_FOUND) }
        let state = call.options.state
        guard let tool = call.plugin.tool(named: name.string) else {
            out.send(ToolCallError.unknownTool(plugin: call.plugin.id, tool: name.string, known: call.plugin.tools.map(\.name)).description)
            return ah_status(AH_ERR_NOT_FOUND)
        }
        do throws(ToolCallError) {
            let values = try tool.arguments(fromJSON: arguments.bytes)
            let result = try call.host.callTool(tool, arguments: values, state: state, gated: false)
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

    // MARK: - Files

    private static let readFile: @convention(c) (UnsafePointer<ah_host>?, UInt64, ah_str, ah_sink) -> ah_status = { host, callID, path, out in
        guard let call = HostTable.call(callID, of: host) else { return ah_status(AH_ERR_NOT_FOUND) }
        let path = path.string
        if let refused = permitted(path: path, for: call, service: "read_file", out) { return refused }
        guard let data = FileManager.default.contents(atPath: PathAllowList.resolve(path)) else {
            out.send("read_file '\(path)': no such file, or it cannot be read")
            return ah_status(AH_ERR_NOT_FOUND)
        }
        out.send(Array(data))
        return ah_status(AH_OK)
    }

    private static let writeFile: @convention(c) (UnsafePointer<ah_host>?, UInt64, ah_str, ah_str, ah_sink) -> ah_status = {
        host, callID, path, contents, out in
        guard let call = HostTable.call(callID, of: host) else { return ah_status(AH_ERR_NOT_FOUND) }
        let path = path.string
        if let refused = permitted(path: path, for: call, service: "write_file", out) { return refused }
        let url = URL(fileURLWithPath: PathAllowList.resolve(path))
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(contents.bytes).write(to: url)
            return ah_status(AH_OK)
        } catch {
            out.send("write_file '\(path)': \(error.localizedDescription)")
            return ah_status(AH_ERR_UNAVAILABLE)
        }
    }

    // MARK: - fetch

    private static let fetch: @convention(c) (UnsafePointer<ah_host>?, UInt64, ah_str, UnsafeMutablePointer<Int32>?, ah_sink) -> ah_status = {
        host, callID, urlText, httpStatus, out in
        guard let call = HostTable.call(callID, of: host) else { return ah_status(AH_ERR_NOT_FOUND) }
        let text = urlText.string
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil else {
            out.send("fetch '\(text)': not an http or https URL")
            return ah_status(AH_ERR_INVALID_ARGUMENT)
        }
        guard call.plugin.permissions.network.allows(url) else {
            return deny(call, .permissionDenied, "fetch '\(text)' refused: '\(call.plugin.id)' declares no permission for host "
                        + "'\(url.host ?? "")' (permissions.network: \(call.plugin.manifest.permissions.network))", out)
        }
        if let allowed = call.host.policy.guardrails(for: call.plugin.id).network, !allowed.allows(url) {
            return deny(call, .guardrailTripped, "fetch '\(text)' refused by the policy's network allow-list", out)
        }
        var request = URLRequest(url: url)
        request.timeoutInterval = call.deadlineNanoseconds == 0 ? 30
            : max(0.001, Double(call.deadlineNanoseconds - WallClock.nanoseconds()) / 1e9)
        let result = BlockingResult<(Data, Int)>()
        let task = URLSession.shared.dataTask(with: request) { data, response, error in
            if let error {
                result.finish(.failure(error))
            } else {
                result.finish(.success((data ?? Data(), (response as? HTTPURLResponse)?.statusCode ?? 0)))
            }
        }
        task.resume()
        switch result.wait() {
        case .success(let (data, status)):
            httpStatus?.pointee = Int32(status)
            out.send(Array(data))
            return ah_status(AH_OK)
        case .failure(let error):
            out.send("fetch '\(text)': \(error.localizedDescription)")
            return ah_status(AH_ERR_UNAVAILABLE)
        }
    }

    // MARK: - run_command

    private struct CommandRequest: Decodable {
        var argv: [String]
        var cwd: String?
        var stdin: String?
        var timeout_ms: Int?
    }

    private struct CommandResult: Encodable {
        var exit_code: Int32
        var stdout: String
        var stderr: String
        var timed_out: Bool
    }

    private static let runCommand: @convention(c) (UnsafePointer<ah_host>?, UInt64, ah_str, ah_sink) -> ah_status = { host, callID, command, out in
        guard let call = HostTable.call(callID, of: host) else { return ah_status(AH_ERR_NOT_FOUND) }
        guard let request = try? JSONDecoder().decode(CommandRequest.self, from: Data(command.bytes)), let executable = request.argv.first else {
            out.send("run_command: expected JSON {\"argv\": [program, args...], \"cwd\"?, \"stdin\"?, \"timeout_ms\"?}")
            return ah_status(AH_ERR_INVALID_ARGUMENT)
        }
        guard call.plugin.permissions.allowsCommand(executable) else {
            return deny(call, .permissionDenied, "run_command '\(executable)' refused: '\(call.plugin.id)' declares no permission for it "
                        + "(permissions.commands: \(call.plugin.manifest.permissions.commands))", out)
        }
        if let cwd = request.cwd, let refused = permitted(path: cwd, for: call, service: "run_command in", out) { return refused }
        do {
            let result = try Subprocess.run(request.argv, cwd: request.cwd, stdin: request.stdin,
                                            timeout: request.timeout_ms.map { Double($0) / 1000 }, cancelled: { call.isCancelled })
            let encoded = try JSONEncoder().encode(CommandResult(exit_code: result.status, stdout: result.stdout, stderr: result.stderr,
                                                                 timed_out: result.timedOut))
            out.send(Array(encoded))
            return ah_status(AH_OK)
        } catch {
            out.send("run_command '\(executable)': \(error.localizedDescription)")
            return ah_status(AH_ERR_NOT_FOUND)
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
