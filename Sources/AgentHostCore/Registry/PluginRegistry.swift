import Foundation

/// The plugins one host found and loaded, and what it can route to. Built
/// once; every lookup on the call path is a dictionary read.
public final class PluginRegistry: Sendable {
    /// Every plugin found, loaded or refused, in precedence order.
    public let records: [PluginRecord]
    public let plugins: [LoadedPlugin]
    private let byID: [String: LoadedPlugin]
    /// Every capability some loaded plugin answers, sorted.
    public let capabilities: [String]
    /// The answer to the registry extension's `list_capabilities`, built once.
    let capabilitiesJSON: [UInt8]
    /// Each capability once, with the first plugin (in precedence order) that answers it.
    let capabilityList: [(plugin: LoadedPlugin, capability: PluginManifest.Capability)]
    /// The role agents, by id.
    private let roles: [String: RoleDefinition]
    private let indexByID: [String: Int]

    public var failures: [PluginLoadError] { records.compactMap(\.error) }

    /// Finds and loads every plugin on `searchPath`. A plugin that fails any
    /// check is refused with its reason; the others load regardless. Bundled
    /// plugins and those `policy` trusts load into this process; the others
    /// run isolated, and nothing of theirs runs until their first call.
    public convenience init(searchPath: PluginSearchPath, policy: Policy = .standard, roles: [RoleDefinition] = []) {
        let (found, empty) = PluginDiscovery.find(in: searchPath)
        var records = empty.map { folder in
            PluginRecord(manifestURL: folder.url, origin: folder.origin, manifest: nil,
                         outcome: .failure(PluginLoadError(pluginID: nil, location: folder.url.path, reason: .manifestMissing)))
        }
        var taken: [String: String] = [:]
        for candidate in found {
            records.append(Self.load(candidate, bundledFolder: searchPath.bundledFolder, policy: policy, taken: &taken))
        }
        let assistant = records.lazy.compactMap(\.plugin).first { $0.id == RoleDefinition.assistantID }
        var accepted: [RoleDefinition] = []
        for role in roles {
            let record = Self.load(role, on: assistant, taken: &taken)
            if record.plugin != nil { accepted.append(role) }
            records.append(record)
        }
        self.init(records: records, roles: accepted)
    }

    init(records: [PluginRecord], roles: [RoleDefinition] = []) {
        self.records = records
        plugins = records.compactMap(\.plugin)
        self.roles = Dictionary(roles.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        indexByID = Dictionary(plugins.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        var seen = Set<String>()
        capabilityList = plugins.flatMap { plugin in plugin.manifest.capabilities.map { (plugin: plugin, capability: $0) } }
            .filter { seen.insert($0.capability.name).inserted }
        byID = Dictionary(plugins.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        capabilities = Set(plugins.flatMap { $0.manifest.capabilities.map(\.name) }).sorted()
        capabilitiesJSON = Self.encodeCapabilities(of: plugins)
    }

    private static func load(_ candidate: PluginDiscovery.Found, bundledFolder: URL?, policy: Policy,
                             taken: inout [String: String]) -> PluginRecord {
        var record = PluginRecord(manifestURL: candidate.manifestURL, origin: candidate.origin, manifest: nil,
                                  outcome: .failure(PluginLoadError(pluginID: nil, location: candidate.manifestURL.path, reason: .manifestMissing)))
        do throws(PluginLoadError) {
            let manifest = try PluginManifest.load(from: candidate.manifestURL)
            record.manifest = manifest
            // Refuse a duplicate before running any of its code.
            if let existing = taken[manifest.id] {
                throw PluginLoadError(pluginID: manifest.id, location: candidate.manifestURL.path, reason: .duplicateID(existing: existing))
            }
            let bundled = candidate.origin == .bundled || bundledFolder.map { folder in
                candidate.manifestURL.standardizedFileURL.path.hasPrefix(folder.standardizedFileURL.path + "/")
            } ?? false
            let trusted = policy.isTrusted(manifest.id, bundled: bundled)
            let plugin = try LoadedPlugin.load(manifest: manifest, manifestURL: candidate.manifestURL, origin: candidate.origin,
                                               bundledFolder: bundledFolder, mode: policy.isolation(for: manifest.id, trusted: trusted),
                                               isTrusted: trusted, limits: policy.limits(for: manifest))
            taken[manifest.id] = candidate.manifestURL.path
            record.outcome = .success(plugin)
        } catch {
            record.outcome = .failure(error)
        }
        return record
    }

    public func plugin(id: String) -> LoadedPlugin? { byID[id] }

    /// The role file agent `id` was defined by, if it is a role agent.
    public func role(of id: String) -> RoleDefinition? { roles.isEmpty ? nil : roles[id] }

    /// Where plugin `id` stands in `plugins`.
    func index(of id: String) -> Int? { indexByID[id] }

    /// A role agent: the Assistant's code with the role's manifest. Refused
    /// when the Assistant did not load in this process, or the id is taken.
    private static func load(_ role: RoleDefinition, on assistant: LoadedPlugin?, taken: inout [String: String]) -> PluginRecord {
        let url = URL(fileURLWithPath: role.source)
        func refused(_ reason: PluginLoadError.Reason) -> PluginRecord {
            PluginRecord(manifestURL: url, origin: .roleFile, manifest: nil,
                         outcome: .failure(PluginLoadError(pluginID: role.id, location: role.source, reason: reason)))
        }
        if let existing = taken[role.id] { return refused(.duplicateID(existing: existing)) }
        guard let assistant else { return refused(.roleUnavailable("the bundled Assistant (\(RoleDefinition.assistantID)) did not load")) }
        guard case .inProcess = assistant.backend else {
            return refused(.roleUnavailable("the Assistant runs isolated here; role agents need it in this process (it is bundled and trusted)"))
        }
        let manifest = role.manifest(runningOn: assistant.manifest)
        taken[role.id] = role.source
        let plugin = LoadedPlugin(manifest: manifest, manifestURL: url, origin: .roleFile, isTrusted: true, backend: assistant.backend,
                                  hostTable: assistant.hostTable, binaryPath: assistant.binaryPath, tools: [])
        return PluginRecord(manifestURL: url, origin: .roleFile, manifest: manifest, outcome: .success(plugin))
    }

    /// Capabilities whose names are close to `name`, for "did you mean".
    public func suggestions(for name: String) -> [String] {
        let namespace = name.split(separator: ".").first.map(String.init) ?? name
        return capabilities.filter { candidate in
            candidate.hasPrefix(namespace + ".") || EditDistance.between(candidate, name) <= max(2, name.count / 4)
        }
    }

    private static func encodeCapabilities(of plugins: [LoadedPlugin]) -> [UInt8] {
        struct Entry: Encodable {
            var name: String, agent: String, description: String
            var input: JSONValue?, output: JSONValue?
            var keywords: [String]
            var estimated_ms: Double?, estimated_cost: Double?
            var states: [String]
            var text_input: String?
        }
        let entries = plugins.flatMap { plugin in
            plugin.manifest.capabilities.map {
                Entry(name: $0.name, agent: plugin.id, description: $0.description, input: $0.input, output: $0.output,
                      keywords: $0.keywords, estimated_ms: $0.estimatedMilliseconds, estimated_cost: $0.estimatedCost,
                      states: $0.states.states.map(\.name), text_input: $0.textInput)
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? Array(encoder.encode(entries))) ?? Array("[]".utf8)
    }
}
