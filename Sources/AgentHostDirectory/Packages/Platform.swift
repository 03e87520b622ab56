import AgentHostCore
import AgentToolchain
import Foundation

/// What a binary needs of the machine: the OS, the CPU architecture and, for
/// a Swift plugin, the Swift release whose runtime it links. C and Rust
/// plugins name no toolchain: any host of their OS and architecture runs them.
public struct Platform: Sendable, Hashable, Codable, CustomStringConvertible {
    public var os: String
    public var arch: String
    public var toolchain: String?

    public init(os: String, arch: String, toolchain: String? = nil) {
        self.os = os
        self.arch = arch
        self.toolchain = toolchain
    }

    /// The platform a plugin built from `manifest` on this machine needs.
    public static func of(_ manifest: PluginManifest) -> Platform {
        Platform(os: host.os, arch: host.arch, toolchain: manifest.toolchain.hasPrefix("swift") ? manifest.toolchain : nil)
    }

    /// This machine, with the host's Swift release.
    public static let host: Platform = {
        var name = utsname()
        uname(&name)
        let machine = withUnsafeBytes(of: &name.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        #if os(Linux)
        let os = "linux"
        #else
        let os = "macos"
        #endif
        return Platform(os: os, arch: machine == "arm64" ? "aarch64" : machine, toolchain: SwiftToolchain.identifier)
    }()

    /// `linux-x86_64`, or `linux-x86_64-swift-6.3`: the last part of a package's file name.
    public var name: String { [os, arch, toolchain].compactMap { $0 }.joined(separator: "-") }
    public var description: String { name }

    /// Why a binary for this platform cannot run on `host`, or nil when it can.
    public func problem(on host: Platform = .host) -> String? {
        if os != host.os || arch != host.arch { return "it is built for \(os)-\(arch), and this machine is \(host.os)-\(host.arch)" }
        if let toolchain, toolchain != host.toolchain {
            return "it is a Swift plugin built with \(toolchain), and this host runs \(host.toolchain ?? "no Swift runtime"); a Swift plugin must come from the host's Swift release"
        }
        return nil
    }
}
