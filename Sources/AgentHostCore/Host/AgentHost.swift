import AgentHostChannel
import CAgentHost
import Foundation

/// The runtime's engine: the plugins it loaded, the router, the policy, and
/// calls into agents with routing, state checks and guardrails applied.
///
/// Calls are synchronous and run on the caller's thread: the plugin's work
/// happens there, and the host adds only the envelope, a lookup, the
/// guardrail scans and, for a plugin that is not thread-safe, a lock.
/// `AgentRuntime` adds the task store on top.
public final class AgentHost: Sendable {
    public let registry: PluginRegistry
    public let router: Router
    public let policy: Policy
    /// Each plugin's guardrails, indexed like `registry.plugins`; boxed so the
    /// call path takes a reference instead of copying the stages.
    let guardrails: [GuardrailsBox]
    /// What the model service offers each agent in each state, made on first use.
    let modelCatalogs: ModelCatalogs
    /// The shared memory of calls that bring none of their own.
    public let sharedContext = SharedContext()
    /// Cancels every call of this host at once, running or to come: what a
    /// signal to the host process does (see ``stop()``).
    public let stopping = CancellationToken()
    /// Makes the HTTP calls of the model service; nil in a host that serves no models.
    public let modelProvider: (any ModelProvider)?

    /// The host's semantic version, as the CLI and plugins (`ah_host.host_version`) see it.
    public static let version = "0.1.0"

    /// How deep plugins may delegate to each other before the host refuses.
    public static let maximumDelegationDepth = 8

    public init(registry: PluginRegistry, policy: Policy = .standard, modelProvider: (any ModelProvider)? = nil) {
        self.registry = registry
        self.policy = policy
        self.modelProvider = modelProvider
        router = Router(registry: registry, policy: policy)
        modelCatalogs = ModelCatalogs(pluginCount: registry.plugins.count)
        // A role agent's own guardrails lie over the policy's for it.
        guardrails = registry.plugins.map { plugin in
            GuardrailsBox(registry.role(of: plugin.id)?.guardrails(over: policy.guardrails(for: plugin.id)) ?? policy.guardrails(for: plugin.id))
        }
    }

    /// Finds and loads every plugin on `searchPath`, and the role agents of `roles`.
    public convenience init(searchPath: PluginSearchPath = .standard(), policy: Policy = .standard, roles: [RoleDefinition] = [],
                            modelProvider: (any ModelProvider)? = nil) {
        self.init(registry: PluginRegistry(searchPath: searchPath, policy: policy, roles: roles), policy: policy, modelProvider: modelProvider)
    }

    /// De-initialises every plugin image in the process. Call once, after the
    /// last call has returned; plugins are not loaded again afterwards.
    public static func shutdown() {
        IsolatedPlugin.shutdownAll()
        PluginImage.shutdownAll()
    }

    /// Cancels every call: each running one sees `is_cancelled` (its
    /// programs are stopped), new ones start cancelled, and runs stop
    /// launching steps and end as `cancelled`.
    public func stop() { stopping.cancel() }

    public var isStopping: Bool { stopping.isCancelled }

    /// Routes `capability` to an agent and calls it.
    public func call(_ capability: String, payload: [UInt8], options: CallOptions = CallOptions()) throws(AgentCallError) -> AgentResponse {
        let decision: RouteDecision
        do {
            decision = try router.route(capability: capability)
        } catch {
            throw .routing(error)
        }
        return try attempt(decision.candidate, payload: payload, options: options, parent: nil).result.get()
    }

    public func call(_ capability: String, json: String, options: CallOptions = CallOptions()) throws(AgentCallError) -> AgentResponse {
        try call(capability, payload: Array(json.utf8), options: options)
    }

    /// The typed tool `name` of plugin `pluginID`.
    public func tool(_ name: String, of pluginID: String) throws(ToolCallError) -> TypedTool {
        guard let plugin = registry.plugin(id: pluginID), let tool = plugin.tool(named: name) else {
            throw .unknownTool(plugin: pluginID, tool: name, known: registry.plugin(id: pluginID)?.tools.map(\.name) ?? [])
        }
        return tool
    }

    /// What one call produced: its response or error, and the events it
    /// left whichever way it ended.
    struct Attempt: Sendable {
        var result: Result<AgentResponse, AgentCallError>
        var events: [TaskEvent]
    }

    /// Calls `candidate` with the state check and the input and output
    /// guardrails of its agent. `inputScreened` says the runtime already
    /// screened the payload (before storing it), so it is not scanned twice.
    func attempt(_ candidate: RouteCandidate, payload: [UInt8], options: CallOptions, parent: ActiveCall?,
                 inputScreened: Bool = false) -> Attempt {
        let attempt = untracedAttempt(candidate, payload: payload, options: options, parent: parent, inputScreened: inputScreened)
        // Every trip of the call (its input, its output, what its callbacks asked for) as a span under it.
        if HostSpan.isEnabled {
            for event in attempt.events where event.kind == .guardrailTripped { HostSpan.trip(event, parent: options.traceContext) }
        }
        return attempt
    }

    private func untracedAttempt(_ candidate: RouteCandidate, payload: [UInt8], options: CallOptions, parent: ActiveCall?,
                                 inputScreened: Bool) -> Attempt {
        let plugin = candidate.plugin
        var events: [TaskEvent] = []
        var payload = payload
        guard options.state.isWorking else {
            return Attempt(result: .failure(.notWorkingState(agent: plugin.id, state: options.state)), events: events)
        }
        let allowedStates = candidate.capability.states
        guard allowedStates.contains(options.state) else {
            return Attempt(result: .failure(.capabilityMasked(agent: plugin.id, capability: candidate.capability.name,
                                                              state: options.state, allowed: allowedStates)), events: events)
        }
        if let trip = beginTurn(of: plugin, options: options) {
            events.append(TaskEvent(taskId: nil, kind: .budgetTripped, agent: plugin.id, detail: trip.description))
            return Attempt(result: .failure(.budget(trip)), events: events)
        }
        let rails = guardrails[candidate.agentIndex].value
        if !inputScreened {
            let screened = rails.input.screen(payload, place: .input, agent: plugin.id)
            if let event = screened.event { events.append(event) }
            switch screened.result {
            case .success(let bytes): payload = bytes
            case .failure(let trip): return Attempt(result: .failure(.guardrail(trip)), events: events)
            }
        }

        let call = ActiveCall(host: self, plugin: plugin, options: options, parent: parent, capability: candidate.capability)
        CallRegistry.shared.register(call)
        router.load.begin(candidate.agentIndex)
        let metrics = HostMetrics.shared.step(agent: plugin.id, capability: candidate.capability.name)
        metrics.callStarted()
        let calledAt = WallClock.nanoseconds()
        let invoked = plugin.invoke(capabilityIndex: candidate.capabilityIndex, payload: payload, call: call)
        metrics.callEnded(nanoseconds: WallClock.nanoseconds() - calledAt, failed: (try? invoked.get().0) != .ok)
        router.load.end(candidate.agentIndex)
        CallRegistry.shared.unregister(call)
        events += call.recordedEvents

        let capability = candidate.capability
        // A budget that tripped during the call ends it, whatever the plugin made of the refusal.
        if let trip = call.trip { return Attempt(result: .failure(.budget(trip)), events: events) }
        let status: AgentStatus, body: [UInt8]
        switch invoked {
        case .success(let reply): (status, body) = reply
        case .failure(let fault):
            events.append(TaskEvent(taskId: nil, kind: .pluginFault, agent: plugin.id, detail: fault.description))
            return Attempt(result: .failure(.pluginFault(capability: capability.name, fault: fault)), events: events)
        }
        guard status == .ok else {
            let error = AgentCallError.agentFailed(agent: plugin.id, capability: capability.name, status: status,
                                                   message: String(decoding: body, as: UTF8.self))
            return Attempt(result: .failure(error), events: events)
        }
        if let problem = ReplyCheck.problem(in: body) {
            return Attempt(result: .failure(.invalidReply(agent: plugin.id, capability: capability.name, problem: problem)), events: events)
        }
        let screened = rails.output.screen(body, place: .output, agent: plugin.id)
        if let event = screened.event { events.append(event) }
        let output: [UInt8]
        switch screened.result {
        case .success(let bytes): output = bytes
        case .failure(let trip): return Attempt(result: .failure(.guardrail(trip)), events: events)
        }
        if rails.output.validateOutput, let schema = capability.output, let problem = JSONSchema(schema).problem(inJSON: output) {
            let trip = GuardrailTrip(guardrail: "output_schema", place: .output, agent: plugin.id,
                                     finding: "\(problem) (declared output of '\(capability.name)')")
            events.append(.trip(trip))
            return Attempt(result: .failure(.guardrail(trip)), events: events)
        }
        let response = AgentResponse(agent: plugin.id, capability: capability.name, body: output, handoffs: call.recordedHandoffs,
                                     events: events)
        return Attempt(result: .success(response), events: events)
    }

    /// The payload as the agent may receive it (redacted if need be), or the
    /// trip that stops it, with the event to record either way.
    func screenInput(_ candidate: RouteCandidate, payload: [UInt8]) -> (result: Result<[UInt8], GuardrailTrip>, event: TaskEvent?) {
        guardrails[candidate.agentIndex].value.input.screen(payload, place: .input, agent: candidate.plugin.id)
    }

    /// A sub-task a plugin asked for through the `delegate` callback.
    func delegate(from parent: ActiveCall, capability: String, payload: [UInt8]) throws(AgentCallError) -> AgentResponse {
        guard parent.options.state == .executing else {
            throw .delegationRefused(capability: capability, reason: "DELEGATE is allowed in EXECUTING only; the agent is \(parent.options.state)")
        }
        let decision: RouteDecision
        do {
            decision = try router.route(capability: capability)
        } catch {
            throw .routing(error)
        }
        let plugin = decision.candidate.plugin
        guard parent.depth + 1 < Self.maximumDelegationDepth else {
            throw .delegationRefused(capability: capability, reason: "more than \(Self.maximumDelegationDepth) nested delegations")
        }
        if !plugin.isThreadSafe, parent.chainContains(plugin) {
            throw .delegationRefused(capability: capability,
                                     reason: "'\(plugin.id)' is not thread-safe and is already in this call chain")
        }
        var options = parent.options
        options.progress = nil
        let delegation = HostSpan.start("delegate \(capability)", parent: parent.options.traceContext) { attributes in
            attributes["agenthost.delegate.capability"] = capability
            attributes["agenthost.delegate.kind"] = "callback"
            attributes["agenthost.delegate.from"] = parent.plugin.id
        }
        let invocation = HostSpan.start("invoke_agent \(plugin.id)", parent: delegation.context) { attributes in
            attributes["gen_ai.operation.name"] = "invoke_agent"
            attributes["gen_ai.agent.name"] = plugin.id
            attributes["gen_ai.agent.id"] = plugin.id
            attributes["agenthost.capability"] = capability
        }
        options.traceContext = invocation.context ?? parent.options.traceContext
        let attempt = attempt(decision.candidate, payload: payload, options: options, parent: parent)
        if case .failure(let error) = attempt.result {
            invocation.fail("agent_call_failed", error.description)
            delegation.fail("agent_call_failed", error.description)
        }
        invocation.end()
        delegation.end()
        parent.record(TaskEvent(taskId: nil, kind: .delegated, agent: parent.plugin.id,
                                detail: "called '\(capability)' on '\(plugin.id)' through the delegate callback: "
                                    + (attempt.result.isSuccess ? "ok" : "failed")))
        for event in attempt.events { parent.record(event) }
        return try attempt.result.get()
    }
}

/// One agent's guardrails, shared by reference.
final class GuardrailsBox: Sendable {
    let value: Guardrails
    init(_ value: Guardrails) { self.value = value }
}

extension Result {
    var isSuccess: Bool { if case .success = self { true } else { false } }
}

extension TaskEvent {
    static func redaction(_ found: [SensitiveData], place: GuardrailTrip.Place, agent: String) -> TaskEvent {
        TaskEvent(taskId: nil, kind: .guardrailRedacted, agent: agent,
                  detail: "redacted from the \(place.rawValue): \(found.map(\.description).joined(separator: ", "))")
    }

    static func trip(_ trip: GuardrailTrip) -> TaskEvent {
        TaskEvent(taskId: nil, kind: .guardrailTripped, agent: trip.agent, detail: trip.description)
    }
}

extension AgentState {
    /// PLANNING, EXECUTING, VERIFYING or LEARNING: the states an agent is called in.
    public var isWorking: Bool { AgentStateSet.working.contains(self) }
}

extension AgentStateSet {
    public static let working = AgentStateSet([.planning, .executing, .verifying, .learning])
}

extension LoadedPlugin {
    /// One round trip: through the C ABI in this process (envelope as struct
    /// fields, payload as bytes, the response copied out and released under
    /// the plugin's gate), or over the channel to the plugin's child.
    func invoke(capabilityIndex: Int, payload: [UInt8], call: ActiveCall) -> Result<(AgentStatus, [UInt8]), PluginFault> {
        switch backend {
        case .inProcess(let image):
            return .success(image.invoke(capability: capabilityBytes[capabilityIndex], payload: payload, call: call))
        case .isolated(let isolated):
            var writer = WireWriter(capacity: payload.count + 96)
            writer.u64(UInt64(call.options.state.rawValue))
            writer.u64(call.id)
            writer.u64(UInt64(bitPattern: call.deadlineNanoseconds))
            writer.str(call.options.taskID.utf8)
            writer.str(capabilityBytes[capabilityIndex])
            writer.str(payload)
            writer.str((HostSpan.traceparent(of: call.options.traceContext)?.traceparent ?? "").utf8)
            return isolated.invoke(writer.frame(AHC_CALL), call: call, capability: manifest.capabilities[capabilityIndex].name)
        }
    }
}

extension PluginImage {
    func invoke(capability: [UInt8], payload: [UInt8], call: ActiveCall) -> (AgentStatus, [UInt8]) {
        let agent = self.agent.pointee
        var taskID = call.options.taskID
        // Empty, and never built, unless spans are on.
        var traceparent = HostSpan.traceparent(of: call.options.traceContext)?.traceparent ?? ""
        return taskID.withUTF8 { task in traceparent.withUTF8 { traceparent in
            capability.withUnsafeBufferPointer { capability in
                payload.withUnsafeBufferPointer { payload in
                    var request = ah_request(
                        struct_size: UInt32(MemoryLayout<ah_request>.size),
                        state: call.options.state.rawValue,
                        call_id: call.id,
                        deadline_ns: call.deadlineNanoseconds,
                        task_id: ah_str(bytes: task),
                        capability: ah_str(bytes: capability),
                        payload: ah_str(bytes: payload),
                        traceparent: ah_str(bytes: traceparent))
                    return gate.enter {
                        var response = ah_response()
                        let status = agent.call!(&request, &response)
                        let body: [UInt8]
                        var status32 = status
                        if response.body.data == nil, response.body.len > 0 {
                            body = Array("the plugin's reply is NULL with a length of \(response.body.len) bytes".utf8)
                            status32 = ah_status(AH_ERR_INTERNAL)
                        } else if response.body.len > Int(AH_MAX_PAYLOAD_BYTES) {
                            body = Array("the plugin's reply of \(response.body.len) bytes is over the limit of \(AH_MAX_PAYLOAD_BYTES) bytes".utf8)
                            status32 = ah_status(AH_ERR_INTERNAL)
                        } else {
                            body = response.body.bytes
                        }
                        agent.release!(&response)
                        return (AgentStatus(code: status32), body)
                    }
                }
            }
        } }
    }
}

extension ah_str {
    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.init(data: bytes.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, len: bytes.count)
    }
}
