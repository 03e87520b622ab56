/// What went wrong with an isolated plugin's child process. Each case names
/// the plugin and what happened; the host turns it into a failed call and a
/// restart, never into a dead host.
public enum PluginFault: Error, Sendable, Equatable, CustomStringConvertible {
    /// The child was killed by a signal (`SIGSEGV`, `SIGABRT`, ...).
    case crashed(plugin: String, signal: Int32, during: String)
    /// The child ended by itself, e.g. the plugin called `exit()`.
    case exited(plugin: String, code: Int32, during: String)
    /// The child ran out of the memory it may use.
    case memoryLimit(plugin: String, limitMB: Int, peakMB: Int, during: String)
    /// The child used up the CPU time it may use.
    case cpuLimit(plugin: String, seconds: Int, during: String)
    /// The call's deadline passed and the plugin did not return within the grace after it.
    case deadline(plugin: String, graceMilliseconds: Int, during: String)
    /// The call was cancelled and the plugin did not return within the grace after it.
    case cancelled(plugin: String, graceMilliseconds: Int, during: String)
    /// `init` did not finish within the load timeout.
    case loadTimeout(plugin: String, milliseconds: Int)
    /// The child sent something the channel's protocol does not allow.
    case protocolViolation(plugin: String, problem: String)
    /// The child could not be started at all.
    case cannotStart(plugin: String, problem: String)
    /// Every process the plugin may have is busy, and none came free in time.
    case busy(plugin: String, seconds: Int)
    /// The plugin failed too often lately; it is not called until the time is up.
    case quarantined(plugin: String, secondsLeft: Int, lastFault: String)
    /// The plugin's binary was refused when its child loaded it.
    case refused(PluginLoadError)

    public var plugin: String {
        switch self {
        case .crashed(let plugin, _, _), .exited(let plugin, _, _), .memoryLimit(let plugin, _, _, _), .cpuLimit(let plugin, _, _),
             .deadline(let plugin, _, _), .cancelled(let plugin, _, _), .loadTimeout(let plugin, _),
             .protocolViolation(let plugin, _), .cannotStart(let plugin, _), .quarantined(let plugin, _, _), .busy(let plugin, _):
            plugin
        case .refused(let error): error.pluginID ?? "?"
        }
    }

    /// The status the failed call reports.
    public var status: AgentStatus {
        switch self {
        case .deadline: .deadlineExceeded
        case .cancelled: .cancelled
        case .quarantined, .refused, .cannotStart, .busy: .unavailable
        default: .internalError
        }
    }

    /// Whether the fault counts toward quarantine: the plugin misbehaved, as
    /// opposed to being refused, quarantined, busy, or stopped because its
    /// caller gave up (a consensus that no longer needs it, a Ctrl-C).
    var countsAsFailure: Bool {
        switch self {
        case .quarantined, .refused, .busy, .cancelled: false
        default: true
        }
    }

    public var description: String {
        switch self {
        case .crashed(let plugin, let signal, let during):
            "plugin '\(plugin)' crashed (killed by \(Self.signalName(signal))) during \(during)\(Self.restart(during))"
        case .exited(let plugin, let code, let during):
            "plugin '\(plugin)' exited with status \(code) during \(during); a plugin must return, never exit\(Self.restart(during))"
        case .memoryLimit(let plugin, let limit, let peak, let during):
            "plugin '\(plugin)' exceeded its memory limit of \(limit) MiB (peak \(peak) MiB) during \(during) and was stopped; "
                + "raise memory_mb in the policy's plugins section if it needs more"
        case .cpuLimit(let plugin, let seconds, let during):
            "plugin '\(plugin)' used up its CPU time limit of \(seconds) s during \(during) and was stopped; raise cpu_seconds in the policy"
        case .deadline(let plugin, let grace, let during):
            "plugin '\(plugin)' did not return by the deadline of \(during) (nor \(grace) ms after it), so the host stopped its process"
        case .cancelled(let plugin, let grace, let during):
            "plugin '\(plugin)' did not stop within \(grace) ms of \(during) being cancelled, so the host stopped its process"
        case .loadTimeout(let plugin, let milliseconds):
            "plugin '\(plugin)' did not finish init within \(milliseconds) ms, so the host stopped it; "
                + "fix its init, or raise load_timeout_ms in the policy's plugins section"
        case .protocolViolation(let plugin, let problem):
            "plugin '\(plugin)': its process broke the host's channel (\(problem)) and was stopped"
        case .cannotStart(let plugin, let problem):
            "plugin '\(plugin)' could not be started in its own process: \(problem)"
        case .quarantined(let plugin, let seconds, let last):
            "plugin '\(plugin)' is quarantined for \(seconds) more s after failing repeatedly (last: \(last)); other agents are preferred meanwhile"
        case .busy(let plugin, let seconds):
            "plugin '\(plugin)' had no free process for \(seconds) s (every one was busy); raise processes in the policy, or retry"
        case .refused(let error):
            error.description
        }
    }

    /// What happens next: a plugin that failed in a call is restarted; one that failed in init is refused.
    private static func restart(_ during: String) -> String { during == "init" ? "" : "; the host restarts it on the next call" }

    static func signalName(_ signal: Int32) -> String {
        let names: [Int32: String] = [4: "SIGILL", 6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE", 9: "SIGKILL", 11: "SIGSEGV",
                                      13: "SIGPIPE", 15: "SIGTERM", 24: "SIGXCPU", 25: "SIGXFSZ", 31: "SIGSYS"]
        return names[signal] ?? "signal \(signal)"
    }
}
