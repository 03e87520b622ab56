import AgentHostCore
import AgentHostTestSupport
import Foundation
import Testing

/// The Planner agent (Swift, through AgentPluginKit) decomposes goals into
/// steps assigned to the capabilities the host says are available.
@Suite struct PlannerAgentTests {
    static let bundled = AgentHost(searchPath: PackagePaths.searchPath(
        PackagePaths.bundledPluginFolder(target: "KnowledgeAgent"), PackagePaths.bundledPluginFolder(target: "PlannerAgent")))

    func plan(_ goal: String, on host: AgentHost = bundled, extra: [String: Any] = [:]) throws -> [String: Any] {
        let payload = try JSONSerialization.data(withJSONObject: extra.merging(["goal": goal]) { $1 })
        let response = try host.call("planner.plan", payload: Array(payload), options: CallOptions(state: .planning))
        return try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    @Test func assignsEachStepACapabilityTheHostHas() throws {
        let result = try plan("Research BM25 ranking, then look up the loader. Finally deploy to production.")
        let steps = try #require(result["steps"] as? [[String: Any]])
        let unassigned = try #require(result["unassigned"] as? [[String: Any]])
        #expect(steps.map { $0["action"] as? String } == ["Research BM25 ranking", "look up the loader"])
        #expect(steps.allSatisfy { $0["capability"] as? String == "knowledge.search" && $0["agent"] as? String == "agenthost.knowledge" })
        #expect(steps.map { $0["query"] as? String } == ["BM25 ranking", "the loader"])
        #expect(steps.map { $0["depends_on"] as? [Int] } == [[], []], "two research steps in a row do not wait for each other")
        #expect(steps.map { $0["id"] as? String } == ["s1", "s2"])
        #expect(steps.first?["input"] as? [String: String] == ["query": "BM25 ranking"])
        #expect(steps.allSatisfy { $0["estimated_ms"] as? Double == 5 }, "from the Knowledge manifest")
        #expect(result["estimated_ms"] as? Double == 5, "two steps side by side: the critical path is one of them")
        #expect((result["critical_path"] as? [String])?.count == 1)
        #expect(unassigned.count == 1)
        #expect(unassigned.first?["action"] as? String == "deploy to production")
        #expect(unassigned.first?["index"] as? Int == 3)
    }

    @Test func reportsStepsItCannotAssignBecauseTheHostLacksTheCapability() throws {
        // A host with the Planner alone: research has nowhere to go.
        let plannerOnly = AgentHost(searchPath: PackagePaths.searchPath(PackagePaths.bundledPluginFolder(target: "PlannerAgent")))
        #expect {
            try plan("Research the ABI and then write the loader", on: plannerOnly)
        } throws: { error in
            guard case AgentCallError.agentFailed("agenthost.planner", _, .invalidArgument, let message) = error else { return false }
            return message.contains("cannot plan") && message.contains("no available capability fits 'research'")
                && message.contains("no available capability fits 'write'")
        }
    }

    static let team = AgentHost(searchPath: PackagePaths.searchPath(
        PackagePaths.bundledPluginFolder(target: "KnowledgeAgent"), PackagePaths.bundledPluginFolder(target: "PlannerAgent"),
        PackagePaths.bundledPluginFolder(target: "CodeAgent"), PackagePaths.bundledPluginFolder(target: "TestAgent"),
        PackagePaths.bundledPluginFolder(target: "ReviewAgent"), PackagePaths.bundledPluginFolder(target: "DebugAgent")))

    @Test func aStepNoCapabilitysInputCanTakeIsReportedNotGuessed() throws {
        let result = try plan("Research the docs, then scaffold a python package, then review the diff", on: Self.team)
        let steps = try #require(result["steps"] as? [[String: Any]])
        #expect(steps.map { $0["capability"] as? String } == ["knowledge.search"])
        #expect((steps[0]["input"] as? [String: String])?["query"] == "the docs", "the words go into the text input")
        let reasons = (result["unassigned"] as? [[String: Any]] ?? []).compactMap { $0["reason"] as? String }
        #expect(reasons.count == 2)
        #expect(reasons.first?.contains("code.scaffold takes no task in words and needs 'name'") == true, "\(reasons)")
        #expect(reasons.last?.contains("review.diff takes no task in words and needs 'diff', which no earlier step's answer gives") == true,
                "\(reasons)")
        #expect(reasons.joined().contains("'op' (one of read, write, list, delete, move)"), "the allowed values are named: \(reasons)")
    }

    @Test func aVerbStaysWithItsFamilyEvenWhenNoneOfItCanTakeTheStep() throws {
        // "build" is code's work; a debugger that shares a word with it is no stand-in.
        #expect {
            try plan("build the loader", on: Self.team)
        } throws: { error in
            guard case AgentCallError.agentFailed("agenthost.planner", _, .invalidArgument, let message) = error else { return false }
            return message.contains("cannot plan 'build the loader': no capability can take this step as written: code.run takes no task in words")
                && !message.contains("debug.") && message.contains("Start each step with a verb whose agent here takes a task in words, e.g.")
                && !message.contains(" build,")
        }
    }

    /// Agents whose capabilities take words, so every step of a goal can be planned.
    static let wordy = AgentHost(searchPath: PackagePaths.searchPath(
        PackagePaths.bundledPluginFolder(target: "KnowledgeAgent"), PackagePaths.bundledPluginFolder(target: "PlannerAgent"),
        PackagePaths.bundledPluginFolder(target: "DebugAgent"), PackagePaths.bundledPluginFolder(target: "BrowserAgent")))

    @Test func chainsStepsAndFindsTheCriticalPath() throws {
        let result = try plan("Research the plugin ABI, then debug the crash, then fetch https://example.org/abi", on: Self.wordy)
        let steps = try #require(result["steps"] as? [[String: Any]])
        #expect(steps.map { $0["capability"] as? String } == ["knowledge.search", "debug.diagnose", "browser.fetch"])
        #expect((steps[1]["input"] as? [String: String])?["output"] == "the crash")
        #expect((steps[2]["input"] as? [String: String])?["url"] == "https://example.org/abi")
        #expect(result["critical_path"] as? [String] == ["s1", "s2", "s3"])
        let total = steps.compactMap { $0["estimated_ms"] as? Double }.reduce(0, +)
        #expect(result["estimated_ms"] as? Double == total, "the chain's estimates add up")
        #expect(result["estimated_cost"] as? Double == 0)
    }

    func replan(_ plan: [String: Any], failure: [String: Any], on host: AgentHost = team) throws -> [String: Any] {
        let payload = try JSONSerialization.data(withJSONObject: ["plan": plan, "failure": failure])
        let response = try host.call("planner.replan", payload: Array(payload), options: CallOptions(state: .planning))
        return try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    @Test func replansAFailedStepOntoAnotherCapability() throws {
        let original = try plan("Research the loader, then fetch https://example.org/loader", on: Self.wordy)
        let steps = try #require(original["steps"] as? [[String: Any]])
        #expect(steps.last?["capability"] as? String == "browser.fetch")
        let revised = try replan(original, failure: ["step": "s2", "error": "connection refused"], on: Self.wordy)
        let changed = try #require((revised["steps"] as? [[String: Any]])?.last)
        #expect(changed["capability"] as? String != "browser.fetch")
        #expect(changed["id"] as? String == "s2")
        let changes = try #require(revised["changes"] as? [String])
        #expect(changes.first?.contains("browser.fetch (which failed (connection refused)) is replaced by") == true, "\(changes)")
        // The revised plan is still one the host runs.
        let workflow = try Workflow(plan: Array(try JSONSerialization.data(withJSONObject: revised)))
        #expect(workflow.steps.count == 2)
    }

    @Test func aReplanItCannotMakeSaysWhy() throws {
        // A step no other agent or capability fits: a hand-written plan the host would run as it is.
        let original: [String: Any] = ["goal": "summon a dragon", "unassigned": [], "steps": [[
            "index": 1, "id": "s1", "action": "summon a dragon", "query": "a dragon", "capability": "knowledge.search",
            "agent": "agenthost.knowledge", "input": ["query": "dragon"], "depends_on": [], "needs": [],
        ]]]
        #expect {
            try replan(original, failure: ["step": "s1", "error": "index corrupt"], on: Self.bundled)
        } throws: { error in
            guard case AgentCallError.agentFailed("agenthost.planner", _, .unavailable, let message) = error else { return false }
            return message.contains("cannot avoid the failure of s1") && message.contains("no other agent offers knowledge.search")
        }
        #expect {
            try replan(original, failure: ["step": "s9"], on: Self.bundled)
        } throws: { error in
            guard case AgentCallError.agentFailed(_, _, .invalidArgument, let message) = error else { return false }
            return message.contains("no step 's9'")
        }
    }

    @Test func splitsListsAndConnectives() throws {
        let result = try plan("1. Search the docs\n2. research plugins and summarize the findings; then read the header")
        let actions = (result["steps"] as? [[String: Any]] ?? []).compactMap { $0["action"] as? String }
        #expect(actions == ["Search the docs", "research plugins", "summarize the findings", "read the header"])
    }

    @Test func maxStepsLeavesTheRestUnassigned() throws {
        let result = try plan("search a; search b; search c", extra: ["max_steps": 2])
        #expect((result["steps"] as? [Any])?.count == 2)
        #expect((result["unassigned"] as? [[String: Any]])?.first?["reason"] as? String == "beyond max_steps (2)")
    }

    @Test(arguments: [
        (#"{}"#, "needs the field \"goal\""),
        (#"{"goal": "   "}"#, "non-empty \"goal\""),
        (#"{"goal": 7}"#, "wrong type"),
        (#"{"goal": "x", "max_steps": 0}"#, "max_steps"),
        (#"not json"#, "expects a JSON object"),
    ])
    func badInputIsAnInvalidArgument(payload: String, expected: String) {
        #expect {
            try Self.bundled.call("planner.plan", json: payload)
        } throws: { error in
            guard case AgentCallError.agentFailed("agenthost.planner", _, .invalidArgument, let message) = error else { return false }
            return message.contains(expected)
        }
    }

    @Test func typedToolsWrittenInSwift() throws {
        func call(_ name: String, _ arguments: [ToolValue]) throws -> ToolValue {
            try Self.bundled.tool(name, of: "agenthost.planner").call(arguments, in: .planning)
        }
        #expect(try call("schedule_rounds", [.i64(7), .i64(3)]) == .i64(3))
        #expect(try call("schedule_rounds", [.i64(6), .i64(3)]) == .i64(2))
        #expect(try call("schedule_rounds", [.i64(6), .i64(0)]) == .i64(-1))
        #expect(try call("max_speedup", [.f64(0.75)]) == .f64(4))
        #expect(try call("max_speedup", [.f64(2)]) == .f64(-1))
        #expect(try call("is_actionable", [.str("then review the diff")]) == .bool(true))
        #expect(try call("is_actionable", [.str("the weather is nice")]) == .bool(false))
        #expect(try call("split_goal", [.str("search a, then build b")]) == .str(#"["search a","build b"]"#))
        #expect(throws: ToolCallError.self) { try Self.bundled.tool("max_speedup", of: "agenthost.planner").call([.f64(0.5)], in: .verifying) }
    }
}
