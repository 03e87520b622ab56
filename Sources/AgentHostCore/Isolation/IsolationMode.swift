/// Where a plugin's code runs.
public enum IsolationMode: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// In a confined child process of its own (`agenthost-plugin-host`): the
    /// default for every plugin the operator has not marked trusted.
    case process
    /// In the host's own process: the fast path, for bundled and trusted plugins.
    case inProcess = "in-process"

    public var description: String { rawValue }
}
