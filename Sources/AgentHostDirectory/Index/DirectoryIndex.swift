import AgentHostCore
import Foundation

/// `index.json`: every plugin a directory offers and each of its immutable
/// releases, with what a client needs to choose one before downloading it
/// (platform, ABI, host versions, what it does and may do) and to check what
/// it downloaded (size, SHA-256, publisher key). Signed by the directory
/// (``SignedIndex``), numbered and dated so a mirror can neither roll a
/// client back to an older index nor hold it on one forever.
public struct DirectoryIndex: Sendable, Codable {
    public static let fileName = "index.json"
    public static let currentFormat = 1

    public var format: Int
    /// The directory's name for itself, shown on its page.
    public var name: String
    /// Grows by one at every change; a client refuses an index older than one it trusted.
    public var version: Int
    public var published: Date
    /// After this, a client refuses the index: a directory re-signs it (`directory sign`) before then.
    public var expires: Date
    public var plugins: [Plugin]

    public init(name: String, version: Int = 0, published: Date, expires: Date, plugins: [Plugin] = []) {
        format = Self.currentFormat
        self.name = name
        self.version = version
        self.published = published
        self.expires = expires
        self.plugins = plugins
    }

    public struct Plugin: Sendable, Codable {
        public var id: String
        /// Name, description and keywords of the newest release.
        public var name: String
        public var description: String
        public var keywords: [String]
        /// Oldest first, as published.
        public var releases: [Release]

        /// Newest version first.
        public var newestFirst: [Release] { releases.sorted { VersionOrder.precedes($1.version, $0.version) } }
        public var newest: Release? { releases.max { VersionOrder.precedes($0.version, $1.version) } }
    }

    /// One version of one plugin for one platform: never changed once published.
    public struct Release: Sendable, Codable {
        public var version: String
        public var platform: Platform
        public var abi: PackageDescriptor.ABI
        public var hostVersions: String
        public var capabilities: [Capability]
        public var tools: [Tool]
        public var permissions: Permissions
        public var limits: [String: Int]
        /// The package file, relative to the index.
        public var file: String
        public var size: Int
        public var sha256: String
        /// The key line of the publisher who signed it; nil when unsigned.
        public var publisher: String?
        public var published: Date

        enum CodingKeys: String, CodingKey {
            case version, platform, abi, capabilities, tools, permissions, limits, file, size, sha256, publisher, published
            case hostVersions = "host_versions"
        }
    }

    public struct Capability: Sendable, Codable {
        public var name: String
        public var description: String
        public var input: JSONValue?
        public var output: JSONValue?
        public var keywords: [String]
        public var states: [String]
    }

    public struct Tool: Sendable, Codable {
        public var name: String
        public var signature: String
        public var description: String
        public var states: [String]
    }

    public struct Permissions: Sendable, Codable, Hashable {
        public var network: [String]
        public var paths: [String]
        public var commands: [String]
        public var timeoutMilliseconds: Int
        public var maxOutputBytes: Int
        /// The model aliases it may call through the host (each call costs money); absent in indexes
        /// written before models existed, which is read as none, and left out when there are none.
        public var models: [String]

        enum CodingKeys: String, CodingKey {
            case network, paths, commands, models
            case timeoutMilliseconds = "timeout_ms"
            case maxOutputBytes = "max_output_bytes"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            network = try container.decode([String].self, forKey: .network)
            paths = try container.decode([String].self, forKey: .paths)
            commands = try container.decode([String].self, forKey: .commands)
            timeoutMilliseconds = try container.decode(Int.self, forKey: .timeoutMilliseconds)
            maxOutputBytes = try container.decode(Int.self, forKey: .maxOutputBytes)
            models = try container.decodeIfPresent([String].self, forKey: .models) ?? []
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(network, forKey: .network)
            try container.encode(paths, forKey: .paths)
            try container.encode(commands, forKey: .commands)
            try container.encode(timeoutMilliseconds, forKey: .timeoutMilliseconds)
            try container.encode(maxOutputBytes, forKey: .maxOutputBytes)
            if !models.isEmpty { try container.encode(models, forKey: .models) }
        }
    }

    public func plugin(_ id: String) -> Plugin? { plugins.first { $0.id == id } }
}

extension DirectoryIndex.Release {
    /// What the index says of a verified package published as `file` at `date`.
    init(_ package: VerifiedPackage, file: String, published: Date) {
        let manifest = package.manifest
        version = manifest.version
        platform = package.descriptor.platform
        abi = package.descriptor.abi
        hostVersions = package.descriptor.hostVersions
        capabilities = manifest.capabilities.map {
            .init(name: $0.name, description: $0.description, input: $0.input, output: $0.output, keywords: $0.keywords,
                  states: $0.states.states.map(\.name))
        }
        tools = manifest.tools.map { .init(name: $0.name, signature: $0.signature, description: $0.description, states: $0.states.states.map(\.name)) }
        permissions = .init(manifest.permissions)
        limits = manifest.limits
        self.file = file
        size = package.size
        sha256 = package.sha256
        publisher = package.signer?.line
        self.published = published
    }

    /// The publisher's key, when the release is signed and the line reads.
    public var publisherKey: PublicKey? { publisher.flatMap { try? PublicKey(line: $0) } }
}

extension DirectoryIndex.Permissions {
    public init(_ permissions: PluginManifest.Permissions) {
        network = permissions.network
        paths = permissions.paths
        commands = permissions.commands
        timeoutMilliseconds = permissions.timeoutMilliseconds
        maxOutputBytes = permissions.maxOutputBytes
        models = permissions.models
    }
}

extension JSONEncoder {
    /// How every file of a directory is written: stable, readable, dates in ISO 8601.
    static var directory: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }
}

extension JSONDecoder {
    static var directory: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
