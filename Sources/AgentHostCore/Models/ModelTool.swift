/// A tool the model may be offered for an agent: one of the agent's own
/// typed tools, a capability of another agent (called through the host's
/// delegate), or a handoff target.
struct ModelTool: Sendable, Hashable {
    enum Kind: String, Sendable, Hashable {
        case tool, capability, handoff
    }

    var kind: Kind
    /// As the plugin names it: the tool's name, the capability's, or `handoff:<agent id>`.
    var name: String
    var description: String
    var parameters: JSONValue

    /// The name the model sees: providers accept letters, digits, `_` and `-`, up to 64.
    var wireName: String {
        let base = kind == .handoff ? "transfer_to_" + String(name.dropFirst("handoff:".count)) : name
        let safe = String(base.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") ? $0 : "_" })
        return String(safe.prefix(64))
    }

    var definition: ModelToolDefinition { ModelToolDefinition(name: wireName, description: description, parameters: parameters) }

    var json: JSONValue {
        .object(["name": .string(name), "kind": .string(kind.rawValue), "description": .string(description), "parameters": parameters])
    }
}

extension AgentHost {
    /// The tools the agent of `call` may call now, as the model will be
    /// offered them: its typed tools visible in the call's state; in
    /// EXECUTING (where DELEGATE is allowed) the capabilities it may call;
    /// its declared handoff targets. A role file narrows the first two.
    func modelTools(for call: ActiveCall) -> [ModelTool] {
        let state = call.options.state, plugin = call.plugin
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
            for entry in registry.capabilityList where !own.contains(entry.capability.name) && entry.capability.states.contains(state) {
                guard allowed?.contains(entry.capability.name) ?? true, !tools.contains(where: { $0.name == entry.capability.name }) else { continue }
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

    /// The `profile` of the model service: who the agent is and what it may use, for the call's state.
    func modelProfile(for call: ActiveCall) -> JSONValue {
        let plugin = call.plugin, role = registry.role(of: plugin.id)
        let aliases = plugin.manifest.permissions.models
        let model: JSONValue = (role?.model ?? (aliases.count == 1 ? aliases.first : nil)).map { .string($0) } ?? .null
        return .object([
            "agent": .string(plugin.id),
            "role": .string(role?.role ?? plugin.manifest.name),
            "instructions": .string(role?.instructions ?? ""),
            "model": model,
            "models": .array(aliases.map { .string($0) }),
            "tools": .array(modelTools(for: call).map(\.json)),
            "max_turns": .number(Double(role?.maxTurns ?? RoleDefinition.defaultMaxTurns)),
            "output": call.capability?.output ?? .null,
        ])
    }
}
