import AgentToolchain

/// A Swift plugin loaded in-process shares the host's Swift runtime, so it
/// must come from the same Swift release as the host.
enum Toolchain {
    static var host: String { SwiftToolchain.identifier }

    /// Whether a binary built with `toolchain` must match the host's.
    static func requiresMatch(_ toolchain: String) -> Bool { toolchain.hasPrefix("swift") }
}
