import AgentHostCore
import ArgumentParser
import Foundation

/// The README's main job: the bundled agents working together, end to end.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a small end-to-end task on the bundled plugins: plan a goal, research each step, call typed tools.")

    @OptionGroup var host: HostOptions

    @Option(help: "The goal to plan and research.")
    var goal = "Research how BM25 ranks passages, then look up how plugins are loaded and checked, then deploy the release to production."

    @Option(help: ArgumentHelp("Search this folder instead of the demo's own small corpus.", valueName: "folder"))
    var corpus: String?

    func run() throws {
        let root = try corpus.map { URL(fileURLWithPath: $0) } ?? DemoCorpus.write()
        // The agents may read the corpus: it is the workspace unless one is named.
        let runtime = try host.makeRuntime(defaultWorkspace: root.path)
        let agentHost = runtime.host
        defer { AgentHost.shutdown() }
        for required in ["planner.plan", "knowledge.search"] where !agentHost.registry.capabilities.contains(required) {
            throw CLIError("the demo needs '\(required)', which no loaded plugin provides; build the bundled plugins with `swift build`")
        }

        print("Loaded \(agentHost.registry.plugins.count) plugin(s): \(agentHost.registry.plugins.map(\.id).joined(separator: ", "))")
        print("\nGoal: \(goal)\n")

        let plan = try json(runtime.run(TaskRequest(.capability("planner.plan"), payload: try encode(["goal": goal]),
                                                    state: .planning)))
        let steps = plan["steps"] as? [[String: Any]] ?? []
        let unassigned = plan["unassigned"] as? [[String: Any]] ?? []
        print("Plan (planner.plan): \(steps.count) step(s), \(unassigned.count) unassigned")
        for step in steps {
            print("  \(step["index"] ?? "?"). \(step["action"] ?? "") -> \(step["capability"] ?? "") [\(step["agent"] ?? "")]")
        }
        for step in unassigned {
            print("  \(step["index"] ?? "?"). \(step["action"] ?? "") -> unassigned: \(step["reason"] ?? "")")
        }

        print("\nResearch (knowledge.search over \(root.path)):")
        var passages = 0
        for step in steps where step["capability"] as? String == "knowledge.search" {
            let query = step["query"] as? String ?? ""
            let payload = try encode(["query": query, "root": root.path, "top_k": 2] as [String: Any])
            let answer = try json(runtime.run(TaskRequest(.capability("knowledge.search"), payload: payload)))
            passages = answer["passages"] as? Int ?? passages
            print("  \"\(query)\"")
            for hit in answer["results"] as? [[String: Any]] ?? [] {
                let text = (hit["text"] as? String ?? "").replacingOccurrences(of: "\n", with: " ")
                let score = String(format: "%.3f", hit["score"] as? Double ?? 0)
                print("    \(hit["file"] ?? ""):\(hit["line"] ?? "") score \(score)  \(text.prefix(90))\(text.count > 90 ? "…" : "")")
            }
        }

        print("\nTyped tools (called through libffi from their signatures):")
        let tools: [(String, String, [ToolValue])] = [
            ("agenthost.planner", "schedule_rounds", [.i64(Int64(steps.count)), .i64(2)]),
            ("agenthost.planner", "is_actionable", [.str("deploy the release")]),
            ("agenthost.knowledge", "idf", [.i64(Int64(max(passages, 1))), .i64(1)]),
            ("agenthost.knowledge", "tokenize", [.str("Ranking passages with BM25")]),
        ]
        for (plugin, name, arguments) in tools {
            do {
                let tool = try agentHost.tool(name, of: plugin)
                let result = try runtime.callTool(name, of: plugin, arguments: arguments, state: .executing)
                print("  \(plugin).\(name) \(tool.signature) (\(arguments.map(\.description).joined(separator: ", "))) = \(result)")
            } catch {
                throw CLIError(error.description)
            }
        }
        print("\nDone: \(steps.count) step(s) planned, \(unassigned.count) left for an agent that is not installed.")
        print("Every task is in \(runtime.store.path): `agenthost tasks list` and `agenthost stats` show them.")
    }

    private func encode(_ object: [String: Any]) throws -> [UInt8] {
        Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }

    private func json(_ run: @autoclosure () throws -> TaskOutcome) throws -> [String: Any] {
        let outcome: TaskOutcome
        do {
            outcome = try run()
        } catch let error as StoreError {
            throw CLIError(error.description)
        }
        guard outcome.status == .completed, let body = outcome.result else {
            throw CLIError("task \(outcome.id) \(outcome.status): \(outcome.error?.description ?? "no result")")
        }
        guard let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw CLIError("\(outcome.agent ?? "the agent") answered something other than a JSON object: \(outcome.resultText ?? "")")
        }
        return object
    }
}
