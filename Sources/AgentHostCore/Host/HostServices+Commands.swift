import CAgentHost
import Foundation

/// run_command: only programs the manifest declares, started in the
/// workspace (or a folder inside what the manifest allows), stopped at the
/// manifest's timeout or the call's cancellation, with each stream capped.
extension HostServices {
    struct CommandRequest: Decodable {
        var argv: [String]
        var cwd: String?
        var stdin: String?
        var timeout_ms: Int?
        var max_output_bytes: Int?
        var env: [String: String]?
    }

    struct CommandResult: Encodable {
        var exit_code: Int32
        var stdout: String
        var stderr: String
        var timed_out: Bool
        var stdout_truncated: Bool
        var stderr_truncated: Bool
        var duration_ms: Double
    }

    /// Variables a request may set without the policy's word: they change
    /// how a program formats its output, never which code it runs.
    static let harmlessVariables: Set<String> = ["LANG", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "TZ", "TERM", "NO_COLOR", "FORCE_COLOR",
                                                 "CLICOLOR", "COLUMNS", "CI", "RUST_BACKTRACE", "PYTHONUNBUFFERED",
                                                 "PYTHONDONTWRITEBYTECODE", "PYTHONHASHSEED"]

    /// The host's environment as programs see it: without the variables that
    /// hold credentials (keys, tokens, secrets, passwords), which a plugin
    /// could otherwise read back through a program's output.
    static let inheritedEnvironment: [String: String] = ProcessInfo.processInfo.environment.filter { name, _ in
        let upper = name.uppercased()
        return !["KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "AUTH", "COOKIE", "SESSION"].contains { upper.contains($0) }
    }

    static let runCommand: @convention(c) (UnsafePointer<ah_host>?, UInt64, ah_str, ah_sink) -> ah_status = { host, callID, command, out in
        guard let call = HostTable.call(callID, of: host) else { return ah_status(AH_ERR_NOT_FOUND) }
        guard let bytes = input(command, limit: AH_MAX_PAYLOAD_BYTES, what: "the command", service: "run_command", for: call, out) else {
            return ah_status(AH_ERR_INVALID_ARGUMENT)
        }
        guard let request = try? JSONDecoder().decode(CommandRequest.self, from: Data(bytes)), let executable = request.argv.first else {
            out.send("run_command: expected JSON {\"argv\": [program, args...], \"cwd\"?, \"stdin\"?, \"timeout_ms\"?, \"max_output_bytes\"?, \"env\"?}")
            return ah_status(AH_ERR_INVALID_ARGUMENT)
        }
        let permissions = call.plugin.manifest.permissions
        let hostPath = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        guard let program = call.plugin.permissions.allowedProgram(executable, searchPath: hostPath) else {
            let resolved = PluginPermissions.resolve(executable, searchPath: hostPath)
            return deny(call, .permissionDenied, "run_command '\(executable)' refused: '\(call.plugin.id)' declares no permission for "
                        + (resolved.map { "\($0)" } ?? "it (no such program on the host's PATH)")
                        + " (permissions.commands: \(permissions.commands), resolved on the host's PATH)", out)
        }
        // The program gets the host's environment without anything that looks
        // like a credential, and sets only harmless variables of its own, or
        // those the policy's command_env names.
        var environment = Self.inheritedEnvironment
        let allowedNames = Set(call.host.policy.plugin(call.plugin.id).commandEnvironment)
        for (name, value) in request.env ?? [:] {
            guard allowedNames.contains(name) || Self.harmlessVariables.contains(name) else {
                return deny(call, .permissionDenied, "run_command '\(executable)' refused: it may not set \(name) "
                            + "(it may set \(Self.harmlessVariables.sorted().joined(separator: ", ")); "
                            + "the policy's plugins.\(call.plugin.id).command_env can allow more)", out)
            }
            environment[name] = value
        }
        // A declared program may always start in the workspace; another folder must be within "paths".
        var cwd = call.host.policy.workspace
        if let folder = request.cwd {
            guard let resolved = permitted(path: folder, for: call, service: "run_command in", out) else { return ah_status(AH_ERR_DENIED) }
            cwd = resolved
        }
        if let asked = request.timeout_ms, asked < 1 {
            out.send("run_command: timeout_ms must be 1 or more (milliseconds); leave it out for the manifest's \(permissions.timeoutMilliseconds) ms")
            return ah_status(AH_ERR_INVALID_ARGUMENT)
        }
        let timeout = min(request.timeout_ms ?? permissions.timeoutMilliseconds, permissions.timeoutMilliseconds)
        let cap = min(max(request.max_output_bytes ?? permissions.maxOutputBytes, 0), permissions.maxOutputBytes)
        var argv = request.argv
        argv[0] = program
        let started = Date()
        do {
            let result = try Subprocess.run(argv, cwd: cwd, environment: environment, stdin: request.stdin,
                                            timeout: Double(timeout) / 1000, maxOutputBytes: cap, cancelled: { call.isCancelled })
            let encoded = try JSONEncoder().encode(CommandResult(
                exit_code: result.status, stdout: result.stdout, stderr: result.stderr, timed_out: result.timedOut,
                stdout_truncated: result.stdoutTruncated, stderr_truncated: result.stderrTruncated,
                duration_ms: (Date().timeIntervalSince(started) * 1000).rounded()))
            out.send(Array(encoded))
            return ah_status(AH_OK)
        } catch {
            out.send("run_command '\(executable)': \(error)")
            return ah_status(AH_ERR_INTERNAL)
        }
    }
}
