import Synchronization

/// What the model service offers one agent in one state, worked out once
/// per host: the tools it may call, the names the model sees for them, the
/// lookups both ways, and the profile's bytes. The registry and the roles do
/// not change while a host lives, so neither does a catalog; a model call
/// then costs a lookup, not a walk over every capability of the registry.
final class ModelCatalog: Sendable {
    /// The tools the agent may call, as `modelTools` lists them.
    let tools: [ModelTool]
    let byWireName: [String: ModelTool]
    let wireNameOf: [String: String]
    /// Every tool as the provider is offered it, for a request that asks for all ("auto").
    let definitions: [ModelToolDefinition]
    /// The profile without its closing brace; `profile(output:)` finishes it.
    private let profileHead: [UInt8]
    /// The output schema of each of the agent's capabilities, as the profile writes it.
    private let outputs: [String: [UInt8]]

    init(tools: [ModelTool], plugin: LoadedPlugin, role: RoleDefinition?) {
        self.tools = tools
        byWireName = Dictionary(tools.map { ($0.wireName, $0) }, uniquingKeysWith: { first, _ in first })
        wireNameOf = Dictionary(tools.map { ($0.name, $0.wireName) }, uniquingKeysWith: { first, _ in first })
        definitions = tools.map(\.definition)
        let aliases = plugin.manifest.permissions.models
        var json = JSONWriter(capacity: 512 + tools.count * 256)
        json.beginObject()
        json.key("agent")
        json.string(plugin.id)
        json.key("role")
        json.string(role?.role ?? plugin.manifest.name)
        json.key("instructions")
        json.string(role?.instructions ?? "")
        json.key("model")
        if let model = role?.model ?? (aliases.count == 1 ? aliases.first : nil) { json.string(model) } else { json.null() }
        json.key("models")
        json.beginArray()
        for alias in aliases { json.string(alias) }
        json.endArray()
        json.key("tools")
        json.beginArray()
        for tool in tools { json.value(tool.json) }
        json.endArray()
        json.key("max_turns")
        json.int(role?.maxTurns ?? RoleDefinition.defaultMaxTurns)
        profileHead = json.bytes
        outputs = Dictionary(plugin.manifest.capabilities.compactMap { capability in capability.output.map { (capability.name, $0.canonicalBytes) } },
                             uniquingKeysWith: { first, _ in first })
    }

    /// The `profile` of the model service for a call answering `capability`:
    /// who the agent is, what it may use now, and what the capability returns.
    func profile(answering capability: PluginManifest.Capability?) -> [UInt8] {
        var bytes = profileHead
        bytes.append(contentsOf: #","output":"#.utf8)
        if let capability, let output = outputs[capability.name] ?? capability.output?.canonicalBytes {
            bytes.append(contentsOf: output)
        } else {
            bytes.append(contentsOf: "null".utf8)
        }
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    /// The tools named, in the catalog's order; names it does not list are left out.
    func definitions(named names: [String]) -> (tools: [String: ModelTool], definitions: [ModelToolDefinition]) {
        let wanted = Set(names)
        let chosen = tools.filter { wanted.contains($0.name) }
        return (Dictionary(chosen.map { ($0.wireName, $0) }, uniquingKeysWith: { first, _ in first }), chosen.map(\.definition))
    }
}

/// Every agent's catalogs, one per (agent, state), made on first use.
final class ModelCatalogs: Sendable {
    private let slots: Mutex<[ModelCatalog?]>
    private static let states = AgentState.allCases.count

    init(pluginCount: Int) {
        slots = Mutex([ModelCatalog?](repeating: nil, count: pluginCount * Self.states))
    }

    /// The catalog at `index` (a plugin's index in the registry) and `state`, made by `make` the first time.
    func catalog(plugin index: Int, state: AgentState, make: () -> ModelCatalog) -> ModelCatalog {
        let slot = index * Self.states + Int(state.rawValue)
        if let made = slots.withLock({ $0[slot] }) { return made }
        let catalog = make()  // outside the lock: two first calls may both make it; the first kept wins
        return slots.withLock { slots in
            if let made = slots[slot] { return made }
            slots[slot] = catalog
            return catalog
        }
    }
}
