import AgentHostCore
import Foundation
import HeapProbe

/// The orchestrator's own cost per step, with and without checkpoints; a
/// 10,000-step parallel run; and the memory of 10,000 open conversations.
/// The agent is the C echo plugin, which answers at once.
func benchOrchestration(runtime: AgentRuntime, quick: Bool) {
    let orchestrator = Orchestrator(runtime: runtime)
    let echo = "bench.echo_c"
    func step(_ id: String, needs: [String] = [], input: JSONValue = .object(["x": .number(1)])) -> WorkflowStep {
        WorkflowStep(id: id, capability: echo, input: input, needs: needs)
    }
    let chain = Workflow(name: "chain", mode: .sequential, steps: [
        step("a"), step("b", input: .object(["from": .string("{{steps.a.result.x}}")])), step("c", input: .object(["from": .string("{{steps.b.result}}")])),
    ])
    let fan = Workflow(name: "fan", mode: .plan, steps: [step("start")] + (1...5).map { step("branch\($0)", needs: ["start"]) }
        + [step("join", needs: (1...5).map { "branch\($0)" })], concurrency: 8)

    for (workflow, name) in [(chain, "sequential_3_steps"), (fan, "fanout_5_and_join_7_steps")] {
        for persistence in [RunOptions.Persistence.inMemory, .checkpointed] {
            if let only = ProcessInfo.processInfo.environment["AGENTHOST_BENCH_ONLY"], !"\(name)_\(persistence)".contains(only) { continue }
            let options = RunOptions(persistence: persistence)
            // Checked once, run many times: validation is per run, not per step.
            let plan = must { try orchestrator.validate(workflow) }
            let runs = persistence == .inMemory ? (quick ? 2_000 : 20_000) : (quick ? 300 : 3_000)
            let measurement = measure("orchestration_\(name)", samples: runs, batches: 5, batchSize: runs) {
                let report = must { try orchestrator.run(plan, options: options) }
                if report.status != .completed { fail("\(workflow.name) did not complete: \(report.error ?? "")") }
            }
            let perStep = measurement.median / Double(workflow.steps.count)
            let target: Double = persistence == .inMemory ? 5_000 : 50_000
            emit([("bench", "orchestration_\(name)_\(persistence == .inMemory ? "no_checkpoints" : "checkpoint_per_step")"),
                  ("median_ns_per_run", measurement.median), ("median_ns_per_step", perStep), ("target_ns_per_step", target),
                  ("meets_target", perStep <= target), ("runs", runs)])
        }
    }

    // Plain language: the same chain with each step written in words. The
    // difference per step is the host's free-text routing (keywords over every
    // capability) and the splice of the words into the payload.
    let words = Workflow(name: "words", mode: .sequential, steps: ["a", "b", "c"].map {
        WorkflowStep(id: $0, text: "please echo this back, step \($0)", input: .object(["x": .number(1)]))
    })
    func perStep(_ workflow: Workflow, _ name: String) -> Double {
        let plan = must { try orchestrator.validate(workflow) }
        let runs = quick ? 2_000 : 20_000
        let measurement = measure(name, samples: runs, batches: 5, batchSize: runs) {
            let report = must { try orchestrator.run(plan, options: RunOptions(persistence: .inMemory)) }
            if report.status != .completed { fail("\(workflow.name) did not complete: \(report.error ?? "")") }
        }
        return measurement.median / Double(workflow.steps.count)
    }
    let byName = perStep(chain, "capability_steps"), byWords = perStep(words, "free_text_steps")
    emit([("bench", "free_text_routing_per_step"), ("capability_step_ns", byName), ("free_text_step_ns", byWords),
          ("added_ns_per_step", byWords - byName), ("target_added_ns", 2_000.0), ("meets_target", byWords - byName <= 2_000)])

    // Free text routed by keywords over every capability of every loaded plugin, as `agenthost run "..."` does.
    let router = runtime.host.router
    let routing = measure("route_free_text", samples: quick ? 20_000 : 200_000, batchSize: quick ? 20_000 : 200_000) {
        guard (try? router.route(text: "please echo this back")) != nil else { fail("the bench text did not route") }
    }
    emit([("bench", "route_free_text"), ("capabilities", runtime.host.registry.capabilities.count), ("median_ns", routing.median),
          ("target_ns", 2_000.0), ("meets_target", routing.median <= 2_000)])

    // Input validation: a step's input checked against the capability's declared
    // type, as a workflow, a plan or a DELEGATE block is before it runs.
    guard let declared = runtime.host.registry.plugin(id: "agenthost.bench.echo-c")?.manifest.capabilities.first else {
        fail("the echo plugin is not loaded")
    }
    let input = JSONValue.object(["text": .string("please echo this back"), "x": .number(1), "from": .string("{{steps.a.result}}")])
    let validation = measure("input_validation", samples: quick ? 20_000 : 200_000, batchSize: quick ? 20_000 : 200_000) {
        if !declared.inputProblems(input, unknown: { $0.hasPrefix("{{") ? .value : nil }).isEmpty { fail("the bench input does not fit") }
    }
    emit([("bench", "input_validation_per_step"), ("median_ns", validation.median), ("target_ns", 2_000.0),
          ("meets_target", validation.median <= 2_000)])

    // 10,000 independent steps, checkpointed, at most 64 in flight.
    let wide = Workflow(name: "wide", mode: .parallel, steps: (0..<10_000).map { step("s\($0)") }, concurrency: 64)
    for persistence in [RunOptions.Persistence.checkpointed, .inMemory] {
        var seconds: [Double] = []
        for _ in 0..<(quick ? 1 : 5) {
            let start = now()
            let report = must { try orchestrator.run(wide, options: RunOptions(persistence: persistence)) }
            seconds.append(Double(now() - start) / 1e9)
            if report.steps.contains(where: { $0.status != .completed }) { fail("a step of the wide run did not complete") }
        }
        seconds.sort()
        emit([("bench", "parallel_10000_steps_\(persistence == .inMemory ? "no_checkpoints" : "checkpoint_per_step")"),
              ("median_s", String(format: "%.3f", seconds[seconds.count / 2])), ("target_s", 1.0),
              ("meets_target", seconds[seconds.count / 2] <= 1.0), ("runs", seconds.count)])
    }

    // 10,000 open conversations: heap in use before and after.
    let manager = ConversationManager(runtime: runtime)
    let participants = [Participant(agent: "agenthost.bench.echo-c", role: "echo"), Participant(agent: "agenthost.bench.echo-swift", role: "echo")]
    _ = must { try manager.start(strategy: .roundRobin, participants: participants) }
    let before = heap_probe_bytes_in_use()
    for _ in 0..<10_000 { _ = must { try manager.start(strategy: .roundRobin, participants: participants) } }
    let after = heap_probe_bytes_in_use()
    let perConversation = Double(after - before) / 10_000
    emit([("bench", "conversations_10000_in_memory"), ("open", manager.openCount), ("heap_bytes_per_conversation", perConversation),
          ("target_bytes", 2048.0), ("meets_target", perConversation <= 2048),
          ("note", "the heap grown while 10,000 were started, SQLite's page cache included")])
}
