import AgentHostCore
import Foundation

/// `package.json`, the first file of a package: what it holds, each file with
/// its size and SHA-256, and what the plugin needs of a host. A publisher
/// signs exactly these bytes, so the signature covers every file.
public struct PackageDescriptor: Sendable, Hashable, Codable {
    public static let fileName = "package.json"
    public static let currentFormat = 1

    public struct File: Sendable, Hashable, Codable {
        public var path: String
        public var size: Int
        public var sha256: String
    }

    public struct ABI: Sendable, Hashable, Codable, CustomStringConvertible {
        public var major: UInt32
        public var minor: UInt32
        public var description: String { "\(major).\(minor)" }
    }

    public var format: Int
    public var id: String
    public var version: String
    public var platform: Platform
    public var abi: ABI
    /// The host versions the plugin works with, as a ``VersionRange``.
    public var hostVersions: String
    public var files: [File]

    enum CodingKeys: String, CodingKey {
        case format, id, version, platform, abi, files
        case hostVersions = "host_versions"
    }

    /// `ID-VERSION-PLATFORM.ahpkg`: one file per plugin version and platform.
    public var packageFileName: String { "\(id)-\(version)-\(platform.name).\(PackageArchive.fileExtension)" }

    func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Plain strings, numbers and arrays: encoding cannot fail.
        return (try? encoder.encode(self)) ?? Data()
    }
}

/// `signature.json`: the publisher's key and its Ed25519 signature of `package.json`'s bytes.
struct PackageSignature: Codable {
    static let fileName = "signature.json"
    var key: String
    var signature: String
}
