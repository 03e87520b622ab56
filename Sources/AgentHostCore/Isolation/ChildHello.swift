import AgentHostChannel
import CAgentHost

/// A child's load report (AHC_HELLO): what the binary says about itself and
/// which protections hold, or why it could not be loaded.
struct ChildHello: Sendable {
    enum Outcome: Sendable {
        case loaded(PluginBinary)
        case refused(PluginLoadError.Reason)
    }

    var outcome: Outcome
    /// Set from the report the child sent before any plugin code ran, never from this one.
    var protections: IsolationProtections

    /// Decodes the report; nil when it is malformed (the child is then not trusted at all).
    init?(_ body: [UInt8], pluginID: String) {
        var reader = WireReader(body)
        let status = Int32(truncatingIfNeeded: reader.u64())
        guard status == AH_OK else {
            let stage = reader.text(), message = reader.text()
            let first = reader.u64(), second = reader.u64()
            guard !reader.failed else { return nil }
            protections = IsolationProtections(bits: 0, landlockABI: nil)
            let small = UInt32(truncatingIfNeeded: first), host = UInt32(truncatingIfNeeded: second)
            switch stage {
            case "confine": outcome = .refused(.isolationFailed(message))
            case "dlopen": outcome = .refused(.notASharedLibrary(message))
            case "symbol": outcome = .refused(.missingEntrySymbol)
            case "abi-major": outcome = .refused(.abiMajorMismatch(plugin: small, host: host))
            case "abi-minor": outcome = .refused(.abiMinorTooNew(plugin: small, host: host))
            case "entry-size": outcome = .refused(.entryTooSmall(small))
            case "init": outcome = .refused(.initFailed(status: Int32(truncatingIfNeeded: first), message: message))
            case "interface": outcome = .refused(.missingInterface(message))
            default: return nil
            }
            return
        }
        func size() -> UInt32 { UInt32(truncatingIfNeeded: reader.u64()) }
        let major = size(), minor = size()
        _ = reader.u64()  // the entry's struct_size, checked by the child before init
        let agentSize = size(), descriptorSize = size()
        let flags = reader.u64()
        let id = reader.text(), name = reader.text(), version = reader.text(), toolchain = reader.text()
        let capabilityCount = min(reader.u64(), 4096)
        var capabilities: [String] = []
        for _ in 0..<capabilityCount { capabilities.append(reader.text()) }
        let toolsPresent = reader.u64() != 0
        let toolsSize = size()
        let hasRelease = reader.u64() != 0
        let toolCount = min(reader.u64(), 256)
        var tools: [PluginBinary.Tool] = []
        for _ in 0..<toolCount {
            let structSize = size(), states = size()
            tools.append(PluginBinary.Tool(structSize: structSize, name: reader.text(), signature: reader.text(),
                                           states: AgentStateSet(rawValue: states), summary: reader.text()))
        }
        let bits = reader.u64()
        let landlock = Int64(bitPattern: reader.u64())
        guard !reader.failed else { return nil }
        let descriptor = PluginBinary.Descriptor(id: id, name: name, version: version, toolchain: toolchain,
                                                 threadSafe: flags & UInt64(AH_AGENT_THREAD_SAFE) != 0, capabilities: capabilities)
        outcome = .loaded(PluginBinary(abi: .init(major: major, minor: minor), agentStructSize: agentSize,
                                       descriptorStructSize: descriptorSize, descriptor: descriptor,
                                       toolsStructSize: toolsPresent ? toolsSize : nil, hasReleaseString: hasRelease, tools: tools))
        protections = IsolationProtections(bits: bits, landlockABI: landlock >= 0 ? Int(landlock) : nil)
    }
}

/// Which protections hold for an isolated plugin, as its child reported them.
public struct IsolationProtections: Sendable, Hashable, CustomStringConvertible {
    let bits: UInt64
    /// The kernel's Landlock ABI version; nil when it has none.
    public let landlockABI: Int?

    func has(_ bit: Int32) -> Bool { bits & UInt64(bit) != 0 }

    /// Each protection by name, and whether it holds.
    public var list: [(name: String, holds: Bool)] {
        [("no_new_privs and no capabilities", has(Int32(AHC_PROTECT_NO_NEW_PRIVS))),
         ("Landlock files: reads only its folder and system libraries, writes nowhere", has(Int32(AHC_PROTECT_LANDLOCK_FS))),
         ("Landlock network: no TCP connect or bind", has(Int32(AHC_PROTECT_LANDLOCK_NET))),
         ("Landlock scope: no signals or abstract sockets outside itself", has(Int32(AHC_PROTECT_LANDLOCK_SCOPE))),
         ("seccomp: no execve, ptrace, sockets, fork, mounts or namespaces", has(Int32(AHC_PROTECT_SECCOMP))),
         ("resource limits: memory, CPU time, open files", has(Int32(AHC_PROTECT_RLIMITS))),
         ("ends with the host (lifeline)", has(Int32(AHC_PROTECT_LIFELINE)))]
    }

    public var description: String {
        let held = list.filter(\.holds).map(\.name), missing = list.filter { !$0.holds }.map(\.name)
        var text = held.joined(separator: "; ")
        if let landlockABI { text += " (Landlock ABI \(landlockABI))" }
        if !missing.isEmpty { text += "; NOT held on this kernel: " + missing.joined(separator: "; ") }
        return text
    }
}
