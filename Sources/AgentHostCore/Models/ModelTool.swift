/// A tool the model may be offered for an agent: one of the agent's own
/// typed tools, a capability of another agent (called through the host's
/// delegate), or a handoff target.
struct ModelTool: Sendable, Hashable {
    enum Kind: String, Sendable, Hashable {
        case tool, capability, handoff
    }

    let kind: Kind
    /// As the plugin names it: the tool's name, the capability's, or `handoff:<agent id>`.
    let name: String
    let description: String
    let parameters: JSONValue

    /// The name the model sees (see ``safeName(_:)``); worked out once, with the catalog.
    let wireName: String

    init(kind: Kind, name: String, description: String, parameters: JSONValue) {
        self.kind = kind
        self.name = name
        self.description = description
        self.parameters = parameters
        wireName = Self.safeName(kind == .handoff ? "transfer_to_" + String(name.dropFirst("handoff:".count)) : name)
    }

    var definition: ModelToolDefinition { ModelToolDefinition(name: wireName, description: description, parameters: parameters) }

    var json: JSONValue {
        .object(["name": .string(name), "kind": .string(kind.rawValue), "description": .string(description), "parameters": parameters])
    }

    /// A name as providers accept it: letters, digits, `_` and `-`, up to 64; anything else becomes `_`.
    static func safeName(_ name: String) -> String {
        String(String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") ? $0 : "_" }).prefix(64))
    }
}


extension AgentHost {
    /// What the model service offers the agent of `call` in its state: made once per (agent, state).
    func modelCatalog(for call: ActiveCall) -> ModelCatalog {
        let plugin = call.plugin, state = call.options.state
        let make = { ModelCatalog(tools: self.modelTools(for: plugin, in: state), plugin: plugin, role: self.registry.role(of: plugin.id)) }
        guard let index = registry.index(of: plugin.id) else { return make() }
        return modelCatalogs.catalog(plugin: index, state: state, make: make)
    }

    /// The tools `plugin` may call in `state`, as the model will be offered
    /// them: its typed tools visible in the state; in EXECUTING (where
    /// DELEGATE is allowed) the capabilities it may call; its declared
    /// handoff targets. A role file narrows the first two.
    private func modelTools(for plugin: LoadedPlugin, in state: AgentState) -> [ModelTool] {
        let role = registry.role(of: plugin.id)
        var tools: [ModelTool] = []
        for tool in plugin.tools(visibleIn: state) where role?.tools.contains(tool.name) ?? true {
            let types = tool.signature.parameters.map(\.rawValue).joined(separator: ", ")
            tools.append(ModelTool(kind: .tool, name: tool.name, description: tool.summary.isEmpty ? tool.name : tool.summary, parameters: .object([
                "type": .string("object"),
                "properties": .object(["arguments": .object(["type": .string("array"),
                                                             "description": .string("the tool's arguments in order: \(types.isEmpty ? "none" : types)")])]),
                "required": .array([.string("arguments")]),
            ])))
        }
        if state == .executing {
            let own = Set(plugin.manifest.capabilities.map(\.name))
            let allowed = role.map { Set($0.tools) }
            var seen = Set(tools.map(\.name))
            for entry in registry.capabilityList where !own.contains(entry.capability.name) && entry.capability.states.contains(state) {
                guard allowed?.contains(entry.capability.name) ?? true, seen.insert(entry.capability.name).inserted else { continue }
                tools.append(ModelTool(kind: .capability, name: entry.capability.name, description: entry.capability.description,
                                       parameters: entry.capability.input ?? .object(["type": .string("object")])))
            }
        }
        for target in plugin.manifest.handoffs {
            let about = registry.plugin(id: target.target)?.manifest.description ?? ""
            tools.append(ModelTool(kind: .handoff, name: "handoff:\(target.target)",
                                   description: "Hand the task to '\(target.target)' and stop. \(about)", parameters: .object([
                                       "type": .string("object"),
                                       "properties": .object([
                                           "reason": .object(["type": .string("string"), "description": .string("why this agent should take the task")]),
                                           "context": .object(["type": .string("object"), "description": .string("what the next agent needs to know")]),
                                       ]),
                                       "required": .array([.string("reason")]),
                                   ])))
        }
        return tools
    }
}
