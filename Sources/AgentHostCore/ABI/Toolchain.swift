/// The toolchain this host was compiled with, spelled as Swift plugins report
/// theirs in `ah_agent_descriptor.toolchain`. A Swift plugin loaded in-process
/// shares the host's Swift runtime, so it must come from the same release.
enum Toolchain {
    static let host: String = {
        #if compiler(>=7.0)
        return "swift-7"
        #elseif compiler(>=6.5)
        return "swift-6.5"
        #elseif compiler(>=6.4)
        return "swift-6.4"
        #elseif compiler(>=6.3)
        return "swift-6.3"
        #elseif compiler(>=6.2)
        return "swift-6.2"
        #elseif compiler(>=6.1)
        return "swift-6.1"
        #else
        return "swift-6.0"
        #endif
    }()

    /// Whether a binary built with `toolchain` must match the host's.
    static func requiresMatch(_ toolchain: String) -> Bool { toolchain.hasPrefix("swift") }
}
