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

    /// Each limit by the name manifests and policies use, with the bounds
    /// it must lie within (checked where it is read).
    static let named: [String: (keyPath: WritableKeyPath<PluginLimits, Int> & Sendable, range: ClosedRange<Int>)] = [
        "memory_mb": (\.memoryMB, 16...1_048_576),
        "cpu_seconds": (\.cpuSeconds, 1...31_536_000),
        "open_files": (\.openFiles, 16...1_048_576),
        "processes": (\.processes, 0...256),
        "load_timeout_ms": (\.loadTimeoutMilliseconds, 1...600_000),
        "grace_ms": (\.graceMilliseconds, 0...60_000),
        "tool_timeout_ms": (\.toolTimeoutMilliseconds, 1...3_600_000),
    ]
}
