/// The Swift release a module was compiled with, spelled as Swift plugins put it
/// in `ah_agent_descriptor.toolchain` (e.g. "swift-6.3"). The host and every
/// Swift plugin compile this same file, so the two spellings always agree.
public enum SwiftToolchain {
    public static let identifier: String = {
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
}
