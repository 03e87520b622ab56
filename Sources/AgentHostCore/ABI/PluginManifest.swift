/// A plugin's `plugin.json`: what the plugin says it is and may do, read
/// without running any plugin code.
public struct PluginManifest: Sendable, Hashable, Decodable {
    public struct ABIVersion: Sendable, Hashable, Decodable, CustomStringConvertible {
        public var major: UInt32
        public var minor: UInt32
        public var description: String { "\(major).\(minor)" }
    }

    public struct Capability: Sendable, Hashable, Decodable {
        public var name: String
        public var description: String
        /// The input and output types, as JSON Schema.
        public var input: JSONValue?
        public var output: JSONValue?
        /// Words that route free text to this capability.
        public var keywords: [String]
        public var estimatedMilliseconds: Double?
        public var estimatedCost: Double?
        /// Breaks routing ties between agents that answer the same capability
        /// equally well and are equally busy: higher wins. 0 when not given.
        public var priority: Int
        /// The states the capability may be called in; the host refuses a call
        /// in any other. All working states when not given.
        public var states: AgentStateSet
        /// The input field that takes a task written in words (`"query"`), nil
        /// when the capability takes no words: free text is never routed to it.
        /// Declared as `text_input` (a field name, or `false` to take none);
        /// when not declared, the input's one required string field without
        /// an `enum`, if it has exactly one such required field.
        public var textInput: String?

        enum CodingKeys: String, CodingKey {
            case name, description, input, output, keywords, priority, states
            case estimatedMilliseconds = "estimated_ms"
            case estimatedCost = "estimated_cost"
            case textInput = "text_input"
        }

        /// A capability declared by the host itself (a role agent's), not read from a manifest.
        public init(name: String, description: String, input: JSONValue? = nil, output: JSONValue? = nil, keywords: [String] = [],
                    states: AgentStateSet = .working, textInput: String? = nil) {
            self.name = name
            self.description = description
            self.input = input
            self.output = output
            self.keywords = keywords
            priority = 0
            self.states = states
            self.textInput = textInput
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            description = try c.decode(String.self, forKey: .description)
            input = try c.decodeIfPresent(JSONValue.self, forKey: .input)
            output = try c.decodeIfPresent(JSONValue.self, forKey: .output)
            keywords = try c.decodeIfPresent([String].self, forKey: .keywords) ?? []
            estimatedMilliseconds = try c.decodeIfPresent(Double.self, forKey: .estimatedMilliseconds)
            estimatedCost = try c.decodeIfPresent(Double.self, forKey: .estimatedCost)
            priority = try c.decodeIfPresent(Int.self, forKey: .priority) ?? 0
            if let names = try c.decodeIfPresent([String].self, forKey: .states) {
                states = try AgentStateSet(names: names, key: .states, in: c)
            } else {
                states = .working
            }
            textInput = try Self.textInput(declared: c, input: input)
        }

        /// The field `text_input` names, checked against the declared input, or the host's rule when it names none.
        private static func textInput(declared c: KeyedDecodingContainer<CodingKeys>, input: JSONValue?) throws -> String? {
            let properties: [String: JSONValue]? = if case .object(let properties)? = input?["properties"] { properties } else { nil }
            if (try? c.decodeIfPresent(Bool.self, forKey: .textInput)) != nil {
                guard try c.decode(Bool.self, forKey: .textInput) == false else {
                    throw DecodingError.dataCorruptedError(forKey: .textInput, in: c,
                                                           debugDescription: "is a field name of the input, or false; true names no field")
                }
                return nil
            }
            if let field = try c.decodeIfPresent(String.self, forKey: .textInput) {
                // An input that declares no properties is free-form: any field may take the words.
                guard let properties, !properties.isEmpty else { return field }
                guard let rule = properties[field] else {
                    throw DecodingError.dataCorruptedError(forKey: .textInput, in: c, debugDescription:
                        "names '\(field)', which is not a property of the input (it has \(properties.keys.sorted().joined(separator: ", ")))")
                }
                if let types = rule.schemaTypes, !types.contains("string") {
                    throw DecodingError.dataCorruptedError(forKey: .textInput, in: c,
                                                           debugDescription: "names '\(field)', whose type (\(types.joined(separator: " or "))) is not a string")
                }
                return field
            }
            guard case .array(let required)? = input?["required"], required.count == 1, case .string(let field) = required[0],
                  let rule = properties?[field], rule.schemaTypes == ["string"], rule["enum"] == nil else { return nil }
            return field
        }
    }

    public struct Tool: Sendable, Hashable, Decodable {
        public var name: String
        public var signature: String
        public var states: AgentStateSet
        public var description: String

        enum CodingKeys: String, CodingKey { case name, signature, states, description }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            signature = try c.decode(String.self, forKey: .signature)
            description = try c.decodeIfPresent(String.self, forKey: .description) ?? ""
            states = try AgentStateSet(names: try c.decode([String].self, forKey: .states), key: .states, in: c)
        }
    }

    /// An agent this one may hand a task to. Written either as the target's id
    /// or as `{"target": id, "context": [keys]}` to pass on only those keys of
    /// the handoff context.
    public struct HandoffTarget: Sendable, Hashable, Decodable {
        public var target: String
        /// The top-level keys of the handoff context the target receives; nil passes all.
        public var contextKeys: [String]?

        public init(target: String, contextKeys: [String]? = nil) {
            self.target = target
            self.contextKeys = contextKeys
        }

        enum CodingKeys: String, CodingKey { case target, context }

        public init(from decoder: any Decoder) throws {
            if let target = try? decoder.singleValueContainer().decode(String.self) {
                self.init(target: target)
                return
            }
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(target: try c.decode(String.self, forKey: .target),
                      contextKeys: try c.decodeIfPresent([String].self, forKey: .context))
        }
    }

    /// Host services the plugin needs; anything else is refused at run time.
    public struct Permissions: Sendable, Hashable, Decodable {
        /// Host names the plugin may fetch from: `127.0.0.1`, `example.org`,
        /// `*.example.org` (any subdomain), optionally with a port: `localhost:8080`.
        public var network: [String] = []
        /// Folders (and everything below them) the plugin may read and write;
        /// `~` is the user's home.
        public var paths: [String] = []
        /// Executables the plugin may run, by name (`swift`) or absolute path.
        public var commands: [String] = []
        /// The longest a program or an HTTP request may take; a request for
        /// longer is cut to this.
        public var timeoutMilliseconds: Int = 60_000
        /// The most bytes a program's output (each stream) or a response body
        /// may bring back; the rest is dropped and the answer says so.
        public var maxOutputBytes: Int = 8 << 20
        /// Model aliases (the policy's `models:`) the plugin may call through the model service.
        public var models: [String] = []

        public init() {}

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            network = try c.decodeIfPresent([String].self, forKey: .network) ?? []
            paths = try c.decodeIfPresent([String].self, forKey: .paths) ?? []
            commands = try c.decodeIfPresent([String].self, forKey: .commands) ?? []
            models = try c.decodeIfPresent([String].self, forKey: .models) ?? []
            for (key, minimum) in [(CodingKeys.timeoutMilliseconds, 1), (.maxOutputBytes, 1)] {
                guard let value = try c.decodeIfPresent(Int.self, forKey: key) else { continue }
                guard value >= minimum else {
                    throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "must be \(minimum) or more, got \(value)")
                }
                if key == .timeoutMilliseconds { timeoutMilliseconds = value } else { maxOutputBytes = value }
            }
        }

        enum CodingKeys: String, CodingKey {
            case network, paths, commands, models
            case timeoutMilliseconds = "timeout_ms"
            case maxOutputBytes = "max_output_bytes"
        }
    }

    public var id: String
    public var name: String
    public var version: String
    public var description: String
    public var abi: ABIVersion
    /// The binary: a file name (`libX.so`) or a bare library name (`X`), found
    /// beside the manifest or in the host's own build folder.
    public var library: String
    public var threadSafe: Bool
    /// The toolchain the binary was built with, e.g. `c11` or `swift-6.3`.
    public var toolchain: String
    public var capabilities: [Capability]
    public var tools: [Tool]
    /// The agents this one may hand a task to.
    public var handoffs: [HandoffTarget]
    public var permissions: Permissions
    /// What the plugin's process may use when it runs isolated: `memory_mb`,
    /// `cpu_seconds`, `open_files`. The policy may override each.
    public var limits: [String: Int]

    /// A manifest the host makes itself: a role agent's, which runs on
    /// another plugin's binary (`library` is that plugin's).
    public init(id: String, name: String, version: String, description: String, abi: ABIVersion, library: String, threadSafe: Bool,
                toolchain: String, capabilities: [Capability], tools: [Tool] = [], handoffs: [HandoffTarget] = [],
                permissions: Permissions = Permissions(), limits: [String: Int] = [:]) {
        self.id = id
        self.name = name
        self.version = version
        self.description = description
        self.abi = abi
        self.library = library
        self.threadSafe = threadSafe
        self.toolchain = toolchain
        self.capabilities = capabilities
        self.tools = tools
        self.handoffs = handoffs
        self.permissions = permissions
        self.limits = limits
    }

    enum CodingKeys: String, CodingKey {
        case id, name, version, description, abi, library, toolchain, capabilities, tools, handoffs, permissions, limits
        case threadSafe = "thread_safe"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        name = try c.decode(String.self, forKey: .name)
        version = try c.decode(String.self, forKey: .version)
        description = try c.decodeIfPresent(String.self, forKey: .description) ?? ""
        abi = try c.decode(ABIVersion.self, forKey: .abi)
        library = try c.decode(String.self, forKey: .library)
        threadSafe = try c.decodeIfPresent(Bool.self, forKey: .threadSafe) ?? false
        toolchain = try c.decodeIfPresent(String.self, forKey: .toolchain) ?? ""
        capabilities = try c.decode([Capability].self, forKey: .capabilities)
        tools = try c.decodeIfPresent([Tool].self, forKey: .tools) ?? []
        handoffs = try c.decodeIfPresent([HandoffTarget].self, forKey: .handoffs) ?? []
        permissions = try c.decodeIfPresent(Permissions.self, forKey: .permissions) ?? Permissions()
        limits = try c.decodeIfPresent([String: Int].self, forKey: .limits) ?? [:]
        for (name, value) in limits {
            guard ["memory_mb", "cpu_seconds", "open_files"].contains(name), let range = PluginLimits.named[name]?.range else {
                throw DecodingError.dataCorruptedError(forKey: .limits, in: c,
                                                       debugDescription: "'\(name)' is not a limit; use memory_mb, cpu_seconds or open_files")
            }
            guard range.contains(value) else {
                throw DecodingError.dataCorruptedError(forKey: .limits, in: c,
                                                       debugDescription: "\(name) must be from \(range.lowerBound) to \(range.upperBound), got \(value)")
            }
        }
    }
}
