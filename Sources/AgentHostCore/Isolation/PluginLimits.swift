/// What one isolated plugin's process may use. The manifest's `limits` set
/// them for the plugin; the policy's `plugins` section overrides both.
public struct PluginLimits: Sendable, Hashable {
    /// Address space, in MiB (RLIMIT_AS): a plugin past it gets no more memory.
    public var memoryMB: Int = 4096
    /// CPU time over the process's life, in seconds (RLIMIT_CPU).
    public var cpuSeconds: Int = 3600
    /// Open file descriptors (RLIMIT_NOFILE).
    public var openFiles: Int = 256
    /// How many processes a thread-safe plugin may run at once (0: one per
    /// core, at least 2). A plugin that is not thread-safe always has one.
    public var processes: Int = 0
    /// How long `init` may take.
    public var loadTimeoutMilliseconds: Int = 5000
    /// How long a call may go on after its deadline or cancellation before
    /// the host stops its process.
    public var graceMilliseconds: Int = 250
    /// How long a typed tool called from outside an agent call may take.
    public var toolTimeoutMilliseconds: Int = 30_000

    public init() {}

    public static let standard = PluginLimits()

    /// The bounds each limit must lie within, checked where it is read.
    static let ranges: [String: ClosedRange<Int>] = [
        "memory_mb": 16...1_048_576, "cpu_seconds": 1...31_536_000, "open_files": 16...1_048_576,
        "processes": 0...256, "load_timeout_ms": 1...600_000, "grace_ms": 0...60_000, "tool_timeout_ms": 1...3_600_000,
    ]

    /// The limit named as in manifests and policies.
    func value(_ name: String) -> Int? {
        switch name {
        case "memory_mb": memoryMB
        case "cpu_seconds": cpuSeconds
        case "open_files": openFiles
        case "processes": processes
        case "load_timeout_ms": loadTimeoutMilliseconds
        case "grace_ms": graceMilliseconds
        case "tool_timeout_ms": toolTimeoutMilliseconds
        default: nil
        }
    }

    /// Sets the limit named as in manifests and policies; false for an unknown name.
    mutating func set(_ name: String, _ value: Int) -> Bool {
        switch name {
        case "memory_mb": memoryMB = value
        case "cpu_seconds": cpuSeconds = value
        case "open_files": openFiles = value
        case "processes": processes = value
        case "load_timeout_ms": loadTimeoutMilliseconds = value
        case "grace_ms": graceMilliseconds = value
        case "tool_timeout_ms": toolTimeoutMilliseconds = value
        default: return false
        }
        return true
    }
}
