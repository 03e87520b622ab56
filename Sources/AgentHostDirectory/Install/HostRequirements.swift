import AgentHostCore
import CAgentHost
@preconcurrency import Version

/// What this host offers a plugin: its platform, its C ABI and its version.
/// A release is installed only when all three fit.
public struct HostRequirements: Sendable {
    public var platform: Platform
    public var abiMajor: UInt32
    public var abiMinor: UInt32
    public var version: String

    public static let current = HostRequirements(platform: .host, abiMajor: UInt32(AGENTHOST_ABI_MAJOR),
                                                 abiMinor: UInt32(AGENTHOST_ABI_MINOR), version: AgentHost.version)

    /// Why `release` cannot run on this host, or nil when it can.
    public func problem(platform: Platform, abi: PackageDescriptor.ABI, hostVersions: String) -> String? {
        if let problem = platform.problem(on: self.platform) { return problem }
        if abi.major != abiMajor { return "it needs ABI \(abi), and this host speaks ABI \(abiMajor).x" }
        if abi.minor > abiMinor { return "it needs ABI \(abi), newer than this host's \(abiMajor).\(abiMinor); upgrade agenthost" }
        guard let range = try? VersionRange(hostVersions) else { return "its host version range '\(hostVersions)' cannot be read" }
        guard range.admits(version) else { return "it works with agenthost \(range), and this is agenthost \(version)" }
        return nil
    }

    public func problem(with release: DirectoryIndex.Release) -> String? {
        problem(platform: release.platform, abi: release.abi, hostVersions: release.hostVersions)
    }
}
