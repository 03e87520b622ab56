import AgentHostCore
import ArgumentParser

struct ResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Resume a run whose host stopped: completed steps keep their checkpoints and do not run again.")

    @OptionGroup var host: HostOptions
    @Argument(help: "The run's id, as `runs list` shows it.") var runID: Int64
    @Flag(help: "Print no progress lines, only the summary.") var quiet = false

    func run() throws {
        defer { AgentHost.shutdown() }  // every plugin sees its deinit
        let orchestrator = Orchestrator(runtime: try host.makeRuntime())
        var options = RunOptions()
        if !quiet { options.progress = RunPrinter.progress }
        let report = try WorkflowCommand.orchestrating { try orchestrator.resume(run: runID, options: options) }
        RunPrinter.summary(report, options: host)
        if report.status != .completed { throw ExitCode.failure }
    }
}
