/// One step of a workflow: what to ask, of whom, after what, and what to do
/// when it fails or its answer is not good enough.
public struct WorkflowStep: Sendable, Hashable, Codable {
    public var id: String
    /// A capability by name, or free text to route.
    public var capability: String?
    public var text: String?
    /// The payload, as JSON with `{{steps.ID.result}}`, `{{steps.ID.result.FIELD}}`
    /// and `{{inputs.NAME}}` references filled in when the step starts.
    public var input: JSONValue
    /// Steps that must complete before this one; their results may be used.
    public var needs: [String]
    /// A failure of a strict step stops the whole run.
    public var strict: Bool
    /// The run may complete without it: its failure does not make the run `partial`.
    public var optional: Bool
    /// Only these agents, in this order of preference; nil: every agent with the capability, as the router ranks them.
    public var agents: [String]?
    /// What to try when every agent of the capability has failed.
    public var alternatives: [Alternative]
    /// Checks the answer before it is accepted; a rejected answer counts as a failure.
    public var verify: Verification?
    /// Attempts this step may take, across agents and alternatives.
    public var maxAttempts: Int?
    /// Named resources held exclusively while the step runs (`file:...`, `workspace:...`, `browser:...`).
    public var resources: [String]
    /// Higher goes first when steps queue for a resource.
    public var priority: Int
    public var state: AgentState
    public var timeoutMilliseconds: Int?
    /// The line of the workflow file it came from, for messages.
    public var line: Int?

    public init(id: String, capability: String? = nil, text: String? = nil, input: JSONValue = .object([:]), needs: [String] = [],
                strict: Bool = false, agents: [String]? = nil, alternatives: [Alternative] = [], verify: Verification? = nil,
                maxAttempts: Int? = nil, resources: [String] = [], priority: Int = 0, state: AgentState = .executing,
                timeoutMilliseconds: Int? = nil, optional: Bool = false, line: Int? = nil) {
        self.id = id
        self.capability = capability
        self.text = text
        self.input = input
        self.needs = needs
        self.strict = strict
        self.optional = optional
        self.agents = agents
        self.alternatives = alternatives
        self.verify = verify
        self.maxAttempts = maxAttempts
        self.resources = resources
        self.priority = priority
        self.state = state
        self.timeoutMilliseconds = timeoutMilliseconds
        self.line = line
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        capability = try container.decodeIfPresent(String.self, forKey: .capability)
        text = try container.decodeIfPresent(String.self, forKey: .text)
        input = try container.decode(JSONValue.self, forKey: .input)
        needs = try container.decode([String].self, forKey: .needs)
        strict = try container.decode(Bool.self, forKey: .strict)
        // Runs stored before steps could be optional have none.
        optional = try container.decodeIfPresent(Bool.self, forKey: .optional) ?? false
        agents = try container.decodeIfPresent([String].self, forKey: .agents)
        alternatives = try container.decode([Alternative].self, forKey: .alternatives)
        verify = try container.decodeIfPresent(Verification.self, forKey: .verify)
        maxAttempts = try container.decodeIfPresent(Int.self, forKey: .maxAttempts)
        resources = try container.decode([String].self, forKey: .resources)
        priority = try container.decode(Int.self, forKey: .priority)
        state = try container.decode(AgentState.self, forKey: .state)
        timeoutMilliseconds = try container.decodeIfPresent(Int.self, forKey: .timeoutMilliseconds)
        line = try container.decodeIfPresent(Int.self, forKey: .line)
    }

    /// Another way to do a step: a different capability, with its own input
    /// (the step's when nil).
    public struct Alternative: Sendable, Hashable, Codable {
        public var capability: String
        public var input: JSONValue?
        public var agents: [String]?

        public init(capability: String, input: JSONValue? = nil, agents: [String]? = nil) {
            self.capability = capability
            self.input = input
            self.agents = agents
        }
    }

    /// How an answer is checked before the step is accepted.
    public struct Verification: Sendable, Hashable, Codable {
        /// A verifier agent's capability, called in VERIFYING with
        /// `{"step", "result"}`; it answers `{"accept": bool, "reason": "..."}`.
        public var capability: String?
        /// Texts the answer must contain, and must not contain.
        public var contains: [String]
        public var excludes: [String]

        public init(capability: String? = nil, contains: [String] = [], excludes: [String] = []) {
            self.capability = capability
            self.contains = contains
            self.excludes = excludes
        }
    }
}
