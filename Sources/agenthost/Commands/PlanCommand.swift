import AgentHostCore
import ArgumentParser
import Foundation

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Ask the Planner for a plan for a goal, check it, show it, and with --run carry it out.",
        discussion: """
            The plan is a graph of steps (capability, input, dependencies). It is checked for cycles, \
            unknown capabilities and missing inputs before anything runs, and runs with as much \
            parallelism as its dependencies allow, with a checkpoint per step.
            Example: agenthost plan "Research the plugin ABI, then review it" --run
            """)

    @OptionGroup var host: HostOptions
    @Argument(help: "The goal, in plain language.") var goal: String
    @Option(help: "The planning capability to ask.") var planner = "planner.plan"
    @Option(parsing: .unconditional, help: "Most steps in flight at once (1 to 1024).") var concurrency = 8
    @Flag(name: .customLong("run"), help: "Carry the plan out after showing it.") var execute = false

    func validate() throws { try Limits.checkCount(concurrency, "--concurrency", maximum: 1024) }

    func run() throws {
        defer { AgentHost.shutdown() }  // every plugin sees its deinit
        let runtime = try host.makeRuntime()
        var payload: [UInt8] = Array("{\"goal\":".utf8)
        payload += Array((try JSONText.encode(goal)).utf8)
        payload += Array("}".utf8)
        let outcome = try catching { try runtime.run(TaskRequest(.capability(planner), payload: payload, state: .planning)) }
        guard outcome.status == .completed, let answer = outcome.result else {
            throw CLIError("the planner failed (task \(outcome.id)): \(outcome.error?.description ?? outcome.status.rawValue)")
        }
        let workflow: Workflow
        do {
            workflow = try Workflow(plan: answer, concurrency: concurrency)
        } catch {
            throw CLIError("the planner's answer (task \(outcome.id)) is not a plan: \(error)")
        }
        for part in workflow.unassignedSteps { RunPrinter.emit("  unplanned: \(part)") }
        let orchestrator = Orchestrator(runtime: runtime)
        let plan = try WorkflowCommand.orchestrating { try orchestrator.validate(workflow, source: "the plan of task \(outcome.id)") }
        RunPrinter.plan(plan)
        guard execute else { return }
        let report = try WorkflowCommand.orchestrating {
            var options = RunOptions()
            let display = RunProgressDisplay(steps: workflow.steps.count)
            display.attach(to: &options)
            defer { display.stop() }
            return try orchestrator.run(workflow, options: options, source: "the plan of task \(outcome.id)")
        }
        RunPrinter.summary(report, options: host)
        if report.status != .completed { throw ExitCode.failure }
    }
}
