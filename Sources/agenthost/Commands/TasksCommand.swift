import AgentHostCore
import ArgumentParser
import Foundation

struct TasksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tasks",
        abstract: "Show the tasks in the task database.",
        subcommands: [List.self, Show.self, Retry.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the most recent tasks, newest first.")

        @OptionGroup var host: HostOptions

        @Option(help: ArgumentHelp("Only tasks with this status: \(TaskStatus.allCases.map(\.rawValue).joined(separator: ", ")).",
                                   valueName: "status"))
        var status: String?

        @Option(parsing: .unconditional, help: "How many tasks to list.") var limit = 20

        @Flag(help: "Print JSON lines instead of a table.") var json = false

        func validate() throws {
            if let status, TaskStatus(rawValue: status) == nil {
                throw ValidationError("--status '\(status)' is not one of \(TaskStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            try Limits.checkCount(limit, "--limit", maximum: Limits.maximumListLimit)
        }

        func run() throws {
            let store = try host.openStoreForReading()
            let tasks = try store.map { store in try catching { try store.tasks(status: status.flatMap(TaskStatus.init(rawValue:)), limit: limit) } } ?? []
            if json {
                for task in tasks { print(try JSONText.encode(task)) }
                return
            }
            guard !tasks.isEmpty else {
                print("No tasks\(status.map { " \($0)" } ?? "") in \(host.storePath) yet; `agenthost run CAPABILITY` runs one.")
                return
            }
            for task in tasks { print(TaskReport.line(task)) }
            TaskReport.printHowToGoOn(after: tasks)
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one task: its route, payload, result or error, and events.")

        @OptionGroup var host: HostOptions

        @Argument(help: "The task's id, as `tasks list` shows it.") var id: Int64

        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            guard let store = try host.openStoreForReading(), let task = try catching({ try store.task(id: id) }) else {
                throw CLIError("no task \(id) in \(host.storePath); `agenthost tasks list` shows the recent ones")
            }
            let events = try catching { try store.events(of: id) }
            let children = try catching { try store.children(of: id) }
            if json {
                print(try JSONText.encode(TaskWithEvents(task: task, events: events)))
                return
            }
            print("task \(task.id): \(task.status)")
            print("  asked:     \(task.capability ?? task.query.map { "\"\($0)\"" } ?? "?") (\(task.origin)\(task.parentId.map { " by task \($0)" } ?? ""))")
            print("  agent:     \(task.agent ?? "-") \(task.routedCapability.map { "(\($0))" } ?? "")")
            if let reason = task.routeReason { print("  route:     \(reason)") }
            print("  state:     \(task.agentState ?? "-")")
            print("  created:   \(TaskReport.date(task.createdUs))")
            if let micros = task.durationMicroseconds { print("  took:      \(TaskReport.format(micros: micros))") }
            print("  payload:   \(task.payloadText)")
            if let result = task.resultText { print("  result:    \(result)") }
            if let error = task.error { print("  error:     \(error)") }
            for child in children { print("  child:     \(TaskReport.line(child))") }
            for event in events { print("  event:     \(event.kind.rawValue) [\(event.agent ?? "-")] \(event.detail)") }
            TaskReport.printHowToGoOn(after: [task])
        }
    }

    struct Retry: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run an interrupted, cancelled or failed task again, as a new task with the same request.",
            discussion: "The new task asks what the old one asked (its capability or text, and its input as stored, after any redaction) "
                + "and is routed anew. "
                + "A task that was a step of a run is resumed with `agenthost resume RUN` instead.")

        @OptionGroup var host: HostOptions
        @Argument(help: "The task's id, as `tasks list` shows it.") var id: Int64
        @Option(help: ArgumentHelp("The agent's state: PLANNING, EXECUTING, VERIFYING or LEARNING.", valueName: "state"))
        var agentState: AgentState = .executing
        @Option(parsing: .unconditional, help: ArgumentHelp("Cancel the new task after this many seconds (at most 30 days).", valueName: "seconds"))
        var timeout: Double?

        func validate() throws { try Limits.checkTimeout(timeout, "--timeout") }

        func run() throws {
            let runtime = try host.makeRuntime()
            defer { AgentHost.shutdown() }
            guard let task = try catching({ try runtime.store.task(id: id) }) else {
                throw CLIError("no task \(id) in \(runtime.store.path); `agenthost tasks list` shows the recent ones")
            }
            if let run = task.runId { throw CLIError("task \(id) is a step of run \(run); `agenthost resume \(run)` goes on with that run") }
            guard task.status.isFinished, task.status != .completed else {
                throw CLIError("task \(id) is \(task.status.rawValue); only a task that was interrupted, cancelled or failed is run again")
            }
            let target: TaskRequest.Target = task.query.map { .text($0) } ?? .capability(task.capability ?? "")
            var request = TaskRequest(target, payload: Array(task.payload), state: agentState)
            request.timeout = timeout.map(Limits.duration(seconds:))
            let outcome = try catching { try runtime.run(request) }
            TaskReport.printSummary(of: outcome)
            guard outcome.status == .completed else {
                throw CLIError("task \(outcome.id) (a retry of task \(id)) \(outcome.status): \(outcome.error?.description ?? "no detail")")
            }
            print(outcome.resultText ?? "")
        }
    }
}

/// Runs a store read, turning its error into the CLI's.
func catching<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as StoreError {
        throw CLIError(error.description)
    }
}

/// A task as `tasks show --json` prints it: the stored fields, then its events.
struct TaskWithEvents: Encodable {
    var task: StoredTask
    var events: [TaskEvent]

    enum CodingKeys: String, CodingKey { case events }

    func encode(to encoder: any Encoder) throws {
        try task.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(events, forKey: .events)
    }
}

/// JSON as the CLI prints it: one line, keys sorted and in snake case, bytes
/// (payloads and results, which are UTF-8 JSON) as text.
enum JSONText {
    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dataEncodingStrategy = .custom { data, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(String(decoding: data, as: UTF8.self))
        }
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
