import CAgentHost
import Foundation

/// The model service behind `agenthost.models/1`: every check the host owes a
/// model call, around the provider that makes it. In order: the request is
/// read; the alias must be one the manifest lists and the policy defines;
/// budgets, then approval; the tools offered are exactly those the agent may
/// call in its state; the input guardrails run on every message; an answer
/// a resumed step already got is replayed; then the provider is called, each
/// tool call it returns is checked (refused, and the model told, when the
/// agent may not make it; the loop guard), the output guardrails run on the
/// text, and the call's usage and cost are recorded before the plugin hears the end.
extension AgentHost {
    /// A model call that could not go on: the status, the message, and what tripped.
    struct ModelRefusal: Error, Sendable {
        var status: ah_status
        var message: String
        var budget: String?
        var guardrail: String?

        init(_ status: Int, _ message: String, budget: String? = nil, guardrail: String? = nil) {
            self.status = ah_status(status)
            self.message = message
            self.budget = budget
            self.guardrail = guardrail
        }
    }

    /// One `complete` call of the model service for `call`; each event line goes to `emit`.
    func completeModelCall(_ call: ActiveCall, request bytes: [UInt8], emit: ([UInt8]) -> Void) -> ah_status {
        do throws(ModelRefusal) {
            try completeModelCall(call, bytes, emit: emit)
            return ah_status(AH_OK)
        } catch {
            emit(ModelEventLine.error(error.message, budget: error.budget, guardrail: error.guardrail))
            return error.status
        }
    }

    private func completeModelCall(_ call: ActiveCall, _ bytes: [UInt8], emit: ([UInt8]) -> Void) throws(ModelRefusal) {
        let agent = call.plugin.id
        let asked: ModelCallRequest
        do throws(ModelRequestProblem) {
            asked = try ModelCallRequest(parsing: bytes)
        } catch {
            throw ModelRefusal(AH_ERR_INVALID_ARGUMENT, "complete: \(error.problem)")
        }
        let endpoint = try endpoint(for: call, asked: asked.alias)
        if let trip = budgetTrip(for: call) { throw refusal(tripping: trip, on: call) }
        if policy.approvals.models.contains(endpoint.alias) {
            switch awaitApproval(call, kind: .model, subject: endpoint.alias, arguments: Array((asked.messages.last?.content ?? "").utf8.prefix(2000))) {
            case .proceed, .recorded: break
            case .denied(let reason): throw refusal(denied: reason, on: call)
            case .cancelled(let reason): throw ModelRefusal(AH_ERR_CANCELLED, reason)
            }
        }

        // The tools: what the agent may call now, narrowed to what the plugin asked for.
        let catalog = modelCatalog(for: call)
        var byWireName = catalog.byWireName, offered = catalog.definitions
        if let names = asked.toolNames { (byWireName, offered) = catalog.definitions(named: names) }
        let wireNameOf = catalog.wireNameOf

        // The messages, screened; a tool call the host refused is answered with the refusal, whatever the plugin wrote.
        let refused = call.work.withLock { $0.refused }
        let rails = guardrails(of: call.plugin)
        var messages: [ModelMessage] = []
        messages.reserveCapacity(asked.messages.count)
        for var message in asked.messages {
            if message.role == .tool, let id = message.toolCallID, let reason = refused[id] { message.content = reason }
            // Arguments in a canonical key order, so the same conversation is the same request after a restart.
            message.toolCalls = message.toolCalls.map { call in
                let arguments = (try? JSONValue(parsing: Array(call.arguments.utf8)))?.canonicalText ?? call.arguments
                return ModelToolCall(id: call.id, name: wireNameOf[call.name] ?? ModelTool.safeName(call.name), arguments: arguments)
            }
            if !message.content.isEmpty {
                let screened = rails.input.screen(Array(message.content.utf8), place: .input, agent: agent)
                if let event = screened.event { call.record(event) }
                switch screened.result {
                case .success(let clean): message.content = String(decoding: clean, as: UTF8.self)
                case .failure(let trip):
                    call.record(.trip(trip))
                    throw ModelRefusal(AH_ERR_DENIED, "the prompt was stopped by a guardrail: \(trip)", guardrail: trip.guardrail)
                }
            }
            messages.append(message)
        }
        let request = ModelRequest(messages: messages, tools: offered, responseSchema: asked.responseSchema,
                                   maxTokens: asked.maxTokens, temperature: asked.temperature, stream: asked.stream)
        let sequence = call.work.withLock { state -> Int in
            state.modelCalls += 1
            return state.modelCalls
        }
        let hash = StableHash.hex(of: Self.identity(of: request, alias: endpoint.alias))

        // A resumed step gets the answer its earlier attempt paid for.
        if let replay = call.ledger?.takeReplay(step: call.options.step, agent: agent, sequence: sequence, requestHash: hash),
           let answer = replay.answer {
            replayAnswer(Array(answer), on: call, byWireName: byWireName, emit: emit)
            return
        }

        guard let provider = modelProvider else {
            throw ModelRefusal(AH_ERR_UNAVAILABLE, "this host was started without a model provider; models are served by the agenthost command")
        }
        var key: String?
        if let variable = endpoint.keyVariable {
            guard let value = getenv(variable).map({ String(cString: $0) }), !value.isEmpty else {
                throw ModelRefusal(AH_ERR_UNAVAILABLE, ModelError.missingKey(alias: endpoint.alias, variable: variable).description)
            }
            key = value
        }

        var answer: [UInt8] = []
        var text = ""
        var stopped: ModelRefusal?
        let span = HostSpan.start("chat \(endpoint.model)", parent: call.options.traceContext, kind: .client) { attributes in
            attributes["gen_ai.operation.name"] = "chat"
            attributes["gen_ai.provider.name"] = endpoint.provider.rawValue
            attributes["gen_ai.request.model"] = endpoint.model
            attributes["gen_ai.agent.name"] = agent
            attributes["agenthost.model.alias"] = endpoint.alias
            if let maxTokens = request.maxTokens { attributes["gen_ai.request.max_tokens"] = maxTokens }
        }
        defer { span.end() }
        var sent = request
        if let context = HostSpan.traceparent(of: span.context) { (sent.traceparent, sent.tracestate) = context }
        let started = WallClock.nanoseconds()
        let outcome = provider.complete(sent, endpoint: endpoint, key: key, events: { event in
            guard stopped == nil else { return }
            let line: [UInt8]
            switch event {
            case .text(let delta):
                text += delta
                line = ModelEventLine.text(delta)
            case .toolCall(let toolCall):
                switch check(toolCall, offered: byWireName, on: call) {
                case .success(let (tool, arguments)):
                    line = ModelEventLine.toolCall(id: toolCall.id, name: tool.name, kind: tool.kind, arguments: arguments)
                case .failure(let refusal):
                    if refusal.budget != nil {
                        stopped = refusal
                        return
                    }
                    line = ModelEventLine.refused(id: toolCall.id, name: byWireName[toolCall.name]?.name ?? toolCall.name, reason: refusal.message)
                }
            case .usage: return
            }
            answer += line
            emit(line)
        }, isCancelled: { [call] in call.isCancelled })
        let latency = (WallClock.nanoseconds() - started) / 1000

        if case .success(let completion) = outcome {
            span.set { attributes in
                attributes["gen_ai.usage.input_tokens"] = completion.usage.inputTokens
                attributes["gen_ai.usage.output_tokens"] = completion.usage.outputTokens
                attributes["gen_ai.response.model"] = completion.providerModel ?? endpoint.model
                attributes["gen_ai.response.finish_reasons"] = [completion.stopReason.name]
            }
        }
        switch outcome {
        case .failure(let error):
            span.fail("model_error", error.description)
            record(call, endpoint: endpoint, sequence: sequence, hash: hash, completion: nil, latency: latency, answer: nil, error: error.description)
            throw ModelRefusal(Int(Self.status(of: error)), error.description)
        case .success(let completion):
            let cost = endpoint.pricing.cost(of: completion.usage)
            call.work.withLock { $0.usage.add(modelCall: completion.usage, cost: cost) }
            call.ledger?.addModelCall(agent: agent, usage: completion.usage, cost: cost)
            if let stopped {
                record(call, endpoint: endpoint, sequence: sequence, hash: hash, completion: completion, latency: latency, answer: nil, error: stopped.message)
                throw stopped
            }
            // The whole text once more through the output guardrails: a redaction replaces what streamed.
            if !text.isEmpty {
                let screened = rails.output.screen(Array(text.utf8), place: .output, agent: agent)
                if let event = screened.event { call.record(event) }
                switch screened.result {
                case .success(let clean):
                    if clean.count != text.utf8.count || !clean.elementsEqual(text.utf8) {
                        let line = ModelEventLine.redacted(String(decoding: clean, as: UTF8.self))
                        answer += line
                        emit(line)
                    }
                case .failure(let trip):
                    call.record(.trip(trip))
                    record(call, endpoint: endpoint, sequence: sequence, hash: hash, completion: completion, latency: latency, answer: nil,
                           error: "output guardrail: \(trip)")
                    throw ModelRefusal(AH_ERR_DENIED, "the model's answer was stopped by a guardrail: \(trip)", guardrail: trip.guardrail)
                }
            }
            let tail = ModelEventLine.usage(completion.usage, cost: cost)
                + ModelEventLine.end(completion.stopReason.name, model: completion.providerModel ?? endpoint.model, replayed: false)
            answer += tail
            record(call, endpoint: endpoint, sequence: sequence, hash: hash, completion: completion, latency: latency, answer: answer, error: nil)
            emit(tail)
        }
    }

    /// The endpoint the call may use: the alias asked for (or the agent's
    /// own), declared by the manifest, defined by the policy.
    private func endpoint(for call: ActiveCall, asked: String?) throws(ModelRefusal) -> ModelEndpoint {
        let plugin = call.plugin
        let declared = plugin.manifest.permissions.models
        let role = registry.role(of: plugin.id)
        guard let alias = asked ?? role?.model ?? (declared.count == 1 ? declared[0] : nil) else {
            throw ModelRefusal(AH_ERR_INVALID_ARGUMENT, "complete: name a \"model\"; '\(plugin.id)' may use \(Self.list(declared))")
        }
        guard declared.contains(alias) else {
            let message = "model '\(alias)' refused: '\(plugin.id)' does not declare it (permissions.models: \(Self.list(declared)))"
            call.record(TaskEvent(taskId: nil, kind: .permissionDenied, agent: plugin.id, detail: message))
            throw ModelRefusal(AH_ERR_DENIED, message)
        }
        guard let endpoint = policy.models[alias] else {
            let known = policy.models.keys.sorted()
            throw ModelRefusal(AH_ERR_NOT_FOUND, "model '\(alias)' is not in the policy's models (\(known.isEmpty ? "it defines none" : known.joined(separator: ", "))); "
                + "add models.\(alias) with a provider, base_url and model to \(policy.source ?? "the policy file")")
        }
        return endpoint
    }

    /// A tool call of the model, as the agent may carry it out, or why not.
    private func check(_ toolCall: ModelToolCall, offered: [String: ModelTool], on call: ActiveCall) -> Result<(ModelTool, JSONValue), ModelRefusal> {
        let agent = call.plugin.id
        guard let tool = offered[toolCall.name] else {
            let message = "'\(toolCall.name)' is not a tool '\(agent)' may call in \(call.options.state)"
                + "; the tools it may call now: \(Self.list(offered.values.map(\.name).sorted()))"
            return .failure(refuse(toolCall, message, on: call))
        }
        let arguments: JSONValue
        do throws(JSONValueError) {
            arguments = try JSONValue(parsing: Array((toolCall.arguments.isEmpty ? "{}" : toolCall.arguments).utf8))
        } catch {
            return .failure(refuse(toolCall, "the arguments of '\(tool.name)' are not JSON: \(error.problem)", on: call))
        }
        guard case .object = arguments else { return .failure(refuse(toolCall, "the arguments of '\(tool.name)' must be a JSON object", on: call)) }
        if policy.budgets.loopGuard > 0 {
            let key = tool.name + "\u{0}" + arguments.canonicalText
            let count = call.work.withLock { state -> Int in
                state.repeats[key, default: 0] += 1
                return state.repeats[key]!
            }
            if count >= policy.budgets.loopGuard {
                let trip = BudgetTrip(scope: .task, key: "loop_guard", limit: "\(policy.budgets.loopGuard) identical calls",
                                      used: "asked for '\(tool.name)' with the same arguments \(count) times", agent: agent)
                return .failure(refusal(tripping: trip, on: call))
            }
        }
        return .success((tool, arguments))
    }

    private func refuse(_ toolCall: ModelToolCall, _ message: String, on call: ActiveCall) -> ModelRefusal {
        let told = "refused by the host: \(message)"
        call.work.withLock { $0.refused[toolCall.id] = told }
        call.record(TaskEvent(taskId: nil, kind: .modelToolRefused, agent: call.plugin.id, detail: message))
        return ModelRefusal(AH_ERR_DENIED, told)
    }

    /// Plays an earlier answer back as it was given; its usage was counted when it was first paid for.
    private func replayAnswer(_ answer: [UInt8], on call: ActiveCall, byWireName: [String: ModelTool], emit: ([UInt8]) -> Void) {
        var start = 0
        for (index, byte) in answer.enumerated() where byte == UInt8(ascii: "\n") {
            var line = Array(answer[start...index])
            start = index + 1
            if let value = try? JSONValue(parsing: Array(line.dropLast())), value["type"] == .string("end"), case .object(var fields) = value {
                fields["replayed"] = .bool(true)
                line = JSONValue.object(fields).canonicalBytes + [UInt8(ascii: "\n")]
            }
            emit(line)
        }
        call.record(TaskEvent(taskId: nil, kind: .modelCalled, agent: call.plugin.id,
                              detail: "replayed the answer an earlier attempt of this step got (nothing paid again)"))
    }

    /// The model call as it is kept: on the call (its event) and in the store (usage, cost, answer).
    private func record(_ call: ActiveCall, endpoint: ModelEndpoint, sequence: Int, hash: String, completion: ModelCompletion?,
                        latency: Int64, answer: [UInt8]?, error: String?) {
        let usage = completion?.usage ?? ModelUsage()
        let cost = endpoint.pricing.cost(of: usage)
        let model = completion?.providerModel ?? endpoint.model
        HostMetrics.shared.modelUsed(agent: call.plugin.id, model: model, inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, cost: cost)
        call.record(TaskEvent(taskId: nil, kind: .modelCalled, agent: call.plugin.id, detail: error.map { "model '\(endpoint.alias)' (\(model)) failed: \($0)" }
            ?? "model '\(endpoint.alias)' (\(model)): \(usage.inputTokens) in, \(usage.outputTokens) out, \(Budget.dollars(cost)), "
            + "\(latency / 1000) ms\(completion.map { $0.retries > 0 ? ", \($0.retries) retries" : "" } ?? ""), \(completion?.stopReason.name ?? "")"))
        guard let store = call.ledger?.store else { return }
        let row = ModelCallRecord(id: nil, taskId: call.taskRowID, runId: call.ledger?.runID, step: call.options.step, agent: call.plugin.id,
                                  sequence: sequence, alias: endpoint.alias, provider: endpoint.provider.rawValue, model: model, requestHash: hash,
                                  status: error == nil ? "ok" : "failed", stopReason: completion?.stopReason.name, inputTokens: usage.inputTokens,
                                  outputTokens: usage.outputTokens, cost: cost, latencyUs: latency, retries: completion?.retries ?? 0,
                                  answer: answer.map { Data($0) }, error: error, atUs: WallClock.microseconds())
        do throws(StoreError) {
            try store.record(row)
        } catch {
            call.record(TaskEvent(taskId: nil, kind: .modelCalled, agent: call.plugin.id, detail: "the model call's usage could not be stored: \(error)"))
        }
    }

    /// What a request is, for finding it again: everything the provider is sent but the key.
    private static func identity(of request: ModelRequest, alias: String) -> [UInt8] {
        var fields: [JSONValue] = [.string(alias)]
        for message in request.messages {
            fields.append(.array([.string(message.role.rawValue), .string(message.content), .string(message.toolCallID ?? ""),
                                  .array(message.toolCalls.map { .array([.string($0.id), .string($0.name), .string($0.arguments)]) })]))
        }
        fields.append(.array(request.tools.map { .string($0.name) }))
        fields.append(request.responseSchema ?? .null)
        return JSONValue.array(fields).canonicalBytes
    }

    static func status(of error: ModelError) -> ah_status {
        switch error {
        case .timeout: ah_status(AH_ERR_DEADLINE)
        case .cancelled: ah_status(AH_ERR_CANCELLED)
        case .http(_, let status, _) where (400..<500).contains(status) && status != 429: ah_status(AH_ERR_INVALID_ARGUMENT)
        default: ah_status(AH_ERR_UNAVAILABLE)
        }
    }

    static func list(_ names: [String]) -> String { names.isEmpty ? "none" : names.joined(separator: ", ") }

    func guardrails(of plugin: LoadedPlugin) -> Guardrails {
        guard let index = registry.index(of: plugin.id) else { return policy.guardrails(for: plugin.id) }
        return guardrails[index].value
    }
}
