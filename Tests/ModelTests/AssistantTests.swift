import AgentHostCore
import AgentHostModels
import AgentHostTestSupport
import Foundation
import Testing

/// The model service end to end: the bundled Assistant and role agents,
/// loaded for real, talking through the host to a loopback server that
/// speaks OpenAI's Chat Completions (or Anthropic's Messages), scripted per test.
@Suite(.serialized) final class AssistantTests {
    static let key = "sk-test-AssistantKEY0123456789abcdef"
    let server: ModelProviderServer
    let folder: TemporaryFolder

    init() throws {
        server = try ModelProviderServer()
        folder = try TemporaryFolder("assistant")
        setenv("AGENTHOST_TEST_MODEL_KEY", Self.key, 1)
    }

    deinit {
        server.stop()
        folder.remove()
    }

    /// A runtime with the bundled plugins, the roles given, and `policy` (its models pointed at the server).
    func runtime(roles: [String] = [], format: ModelEndpoint.Provider = .openAI, budgets: BudgetPolicy = BudgetPolicy(),
                 approvals: ApprovalRules = ApprovalRules()) throws -> AgentRuntime {
        var policy = Policy.standard
        policy.workspace = folder.url.path
        policy.budgets = budgets
        policy.approvals = approvals
        policy.models["default"] = ModelEndpoint(alias: "default", provider: format,
                                                 baseURL: format == .openAI ? server.openAIBaseURL : server.baseURL,
                                                 model: "scripted-model", keyVariable: "AGENTHOST_TEST_MODEL_KEY",
                                                 pricing: .init(input: 1, output: 2), timeout: .seconds(10), maxRetries: 1)
        var definitions: [RoleDefinition] = []
        for (index, text) in roles.enumerated() {
            definitions.append(try RoleFile.parse(text, path: folder.url.appendingPathComponent("role\(index).yaml").path))
        }
        let targets = ["AssistantAgent", "KnowledgeAgent", "DebugAgent", "PlannerAgent"]
        let searchPath = PluginSearchPath(folders: targets.map { .init(url: PackagePaths.bundledPluginFolder(target: $0), origin: .bundled) },
                                          bundledFolder: PackagePaths.buildFolder)
        let host = AgentHost(searchPath: searchPath, policy: policy, roles: definitions, modelProvider: HTTPModelProvider.shared)
        return AgentRuntime(host: host, store: try TaskStore(path: folder.url.appendingPathComponent("state.sqlite").path))
    }

    static let researcher = """
        id: team.researcher
        role: Researcher
        model: default
        instructions: Find what the notes say, then answer in one line.
        capabilities:
          - name: team.research
            description: Research a question in the notes
            input: { type: object, properties: { question: { type: string } }, required: [question] }
            output: { type: object, properties: { text: { type: string } } }
        tools: [knowledge.search]
        handoffs: [team.writer]
        """

    static let writer = """
        id: team.writer
        role: Writer
        model: default
        instructions: Write it up.
        capabilities:
          - name: team.write
            description: Write a summary
            input: { type: object, properties: { reason: { type: string } } }
        """

    func research(_ runtime: AgentRuntime) throws -> TaskOutcome {
        try runtime.run(TaskRequest(.capability("team.research"), payload: Array(#"{"question": "what is a checkpoint?"}"#.utf8)))
    }

    @Test func aToolLoopCallsTheCapabilityThroughTheHostAndRecordsUsage() throws {
        try folder.file("notes.md", "A checkpoint is where a resumed run starts again.\n")
        server.enqueue(.openAIToolCalls([("call_1", "knowledge_search", #"{"query": "checkpoint", "root": "\#(folder.url.path)"}"#)],
                                        usage: (100, 20)),
                       .openAIText("A checkpoint is where a resumed run starts.", usage: (150, 12), streamed: true))
        let runtime = try runtime(roles: [Self.researcher, Self.writer])
        let outcome = try research(runtime)
        #expect(outcome.status == .completed, "\(outcome.error?.description ?? "")")
        #expect(String(decoding: outcome.result ?? [], as: UTF8.self).contains("A checkpoint is where a resumed run starts."))
        let requests = server.requests
        #expect(requests.count == 2)
        // The model was offered exactly what the role may call in EXECUTING: the capability and the handoff.
        let offered = requests[0].json?["tools"].map { value -> [String] in
            guard case .array(let tools) = value else { return [] }
            return tools.compactMap { if case .string(let name)? = $0["function"]?["name"] { name } else { nil } }
        } ?? []
        #expect(Set(offered) == ["knowledge_search", "transfer_to_team_writer"])
        #expect(requests[0].headers["authorization"] == "Bearer \(Self.key)")
        // The second request carries the tool's answer, which came from the Knowledge agent.
        let second = String(decoding: requests[1].body, as: UTF8.self)
        #expect(second.contains("notes.md"))
        let calls = try runtime.store.modelCalls(ofTask: outcome.id)
        #expect(calls.map(\.inputTokens) == [100, 150])
        #expect(calls.map(\.outputTokens) == [20, 12])
        let usage = try runtime.store.modelUsage()
        #expect(usage.first { $0.agent == "team.researcher" }?.cost == (250.0 * 1 + 32.0 * 2) / 1_000_000)
        // A capability called through the delegate callback runs inside the task, recorded as its event.
        #expect(try runtime.store.events(of: outcome.id).contains { $0.kind == .delegated })
        // The key went in the header and nowhere into the store.
        let stored = try Data(contentsOf: folder.url.appendingPathComponent("state.sqlite"))
        #expect(stored.range(of: Data(Self.key.utf8)) == nil)
        for suffix in ["-wal", "-shm"] {
            if let extra = try? Data(contentsOf: folder.url.appendingPathComponent("state.sqlite" + suffix)) {
                #expect(extra.range(of: Data(Self.key.utf8)) == nil)
            }
        }
    }

    @Test func aMaskedToolIsRefusedRecordedAndTheModelIsToldSo() throws {
        server.enqueue(.openAIToolCalls([("call_9", "debug_diagnose", #"{"output": "boom"}"#)]),
                       .openAIText("I may not diagnose; here is my answer."))
        let runtime = try runtime(roles: [Self.researcher, Self.writer])
        let outcome = try research(runtime)
        #expect(outcome.status == .completed)
        let events = try runtime.store.events(of: outcome.id)
        #expect(events.contains { $0.kind == .modelToolRefused && $0.detail.contains("debug_diagnose") })
        let second = String(decoding: server.requests[1].body, as: UTF8.self)
        #expect(second.contains("refused by the host"))
        #expect(second.contains("call_9"))
    }

    @Test func delegateActionsInTheModelsTextBecomeTasks() throws {
        try folder.file("notes.md", "Budgets stop runaway loops.\n")
        server.enqueue(.openAIText("""
            I will ask the knowledge agent.
            ACTION: DELEGATE
            AGENT_TYPE: knowledge
            TASK: budgets
            ---END---
            """))
        let runtime = try runtime()
        let outcome = try runtime.run(TaskRequest(.capability("assistant.ask"), payload: Array(#"{"task": "What stops loops?"}"#.utf8)))
        #expect(outcome.status == .completed, "\(outcome.error?.description ?? "")")
        #expect(outcome.children.count == 1)
        #expect(outcome.children.first?.agent == "agenthost.knowledge")
    }

    @Test func aHandoffIsOfferedAsAToolAndCarriedOut() throws {
        server.enqueue(.openAIToolCalls([("call_h", "transfer_to_team_writer", #"{"reason": "it is time to write"}"#)]),
                       .openAIText("The write-up."))
        let runtime = try runtime(roles: [Self.researcher, Self.writer])
        let outcome = try research(runtime)
        #expect(outcome.status == .completed, "\(outcome.error?.description ?? "")")
        #expect(outcome.children.first?.agent == "team.writer")
        #expect(String(decoding: outcome.result ?? [], as: UTF8.self).contains("The write-up."))
    }

    @Test(arguments: [
        ("model_calls", "run.model_calls"), ("tokens", "run.tokens"), ("cost", "run.cost"), ("tool_calls", "run.tool_calls"),
        ("turns", "agent.turns"), ("loop_guard", "loop_guard"), ("wall_seconds", "task.wall_seconds"),
    ])
    func eachBudgetTripsWithATypedErrorNamingIt(key: String, named: String) throws {
        var budgets = BudgetPolicy()
        switch key {
        case "model_calls": budgets.run.modelCalls = 1
        case "tokens": budgets.run.tokens = 100
        case "cost": budgets.run.cost = 0.0001
        case "tool_calls": budgets.run.toolCalls = 0
        case "turns": budgets.agents["team.researcher"] = Budget(turns: 0)
        case "loop_guard": budgets.loopGuard = 2
        default: budgets.task.wallSeconds = 0.000001
        }
        let search = #"{"query": "x", "root": "\#(folder.url.path)"}"#
        server.setStandingReply(.openAIToolCalls([("call_1", "knowledge_search", search)], usage: (80, 40)))
        let runtime = try runtime(roles: [Self.researcher, Self.writer], budgets: budgets)
        let outcome = try research(runtime)
        #expect(outcome.status == .failed)
        #expect(outcome.error?.description.contains(named) == true, "\(outcome.error?.description ?? "")")
        #expect(server.requests.count < 5, "the budget stopped the loop")
        if key != "turns" && key != "wall_seconds" {
            #expect(try runtime.store.events(of: outcome.id).contains { $0.kind == .budgetTripped })
        }
    }

    @Test func anthropicsWireFormatServesTheSameLoop() throws {
        try folder.file("notes.md", "Handoffs pass a task on.\n")
        server.enqueue(.anthropicToolUse([("toolu_1", "knowledge_search", #"{"query": "handoffs", "root": "\#(folder.url.path)"}"#)]),
                       .anthropicText("Handoffs pass a task on.", streamed: true))
        let runtime = try runtime(roles: [Self.researcher, Self.writer], format: .anthropic)
        let outcome = try research(runtime)
        #expect(outcome.status == .completed, "\(outcome.error?.description ?? "")")
        #expect(server.requests.first?.headers["x-api-key"] == Self.key)
        #expect(String(decoding: server.requests[1].body, as: UTF8.self).contains("tool_result"))
    }

    @Test func anApprovedCapabilityRunsOnceAndADeniedOneIsRefused() throws {
        try folder.file("notes.md", "Approvals wait for a person.\n")
        server.enqueue(.openAIToolCalls([("call_a", "knowledge_search", #"{"query": "approvals", "root": "\#(folder.url.path)"}"#)]),
                       .openAIText("Done after approval."))
        let runtime = try runtime(roles: [Self.researcher, Self.writer], approvals: ApprovalRules(capabilities: ["knowledge.search"]))
        // A person in another process: a second connection to the same file decides while the task waits.
        let path = folder.url.appendingPathComponent("state.sqlite").path
        let decider = Thread {
            for _ in 0..<200 {
                Thread.sleep(forTimeInterval: 0.05)
                guard let other = try? TaskStore(path: path), let pending = try? other.approvals(pendingOnly: true).first else { continue }
                #expect(pending.subject == "knowledge.search")
                _ = try? other.decide(approval: pending.id, approve: true, reason: "fine", by: "tester")
                _ = try? other.close()
                return
            }
        }
        decider.start()
        let outcome = try research(runtime)
        #expect(outcome.status == .completed, "\(outcome.error?.description ?? "")")
        let approvals = try runtime.store.approvals(pendingOnly: false)
        #expect(approvals.count == 1)
        #expect(approvals.first?.status == .approved)
        #expect(approvals.first?.result != nil, "what the approved call returned is kept for a resume")
        #expect(try runtime.store.events(of: outcome.id).contains { $0.kind == .approvalRequested })
    }
}
