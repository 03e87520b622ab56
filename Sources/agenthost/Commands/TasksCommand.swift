import AgentHostCore
import ArgumentParser
import Foundation

struct TasksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tasks",
        abstract: "Show the tasks in the task database.",
        subcommands: [List.self, Show.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the most recent tasks, newest first.")

        @OptionGroup var host: HostOptions

        @Option(help: ArgumentHelp("Only tasks with this status: pending, in_progress, completed, failed, cancelled.",
                                   valueName: "status"))
        var status: String?

        @Option(help: "How many tasks to list.") var limit = 20

        @Flag(help: "Print JSON lines instead of a table.") var json = false

        func validate() throws {
            if let status, TaskStatus(rawValue: status) == nil {
                throw ValidationError("--status '\(status)' is not one of \(TaskStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if limit < 1 { throw ValidationError("--limit must be 1 or more") }
        }

        func run() throws {
            let store = try host.openStore()
            let tasks = try catching { try store.tasks(status: status.flatMap(TaskStatus.init(rawValue:)), limit: limit) }
            if json {
                for task in tasks { print(try JSONText.encode(task)) }
                return
            }
            guard !tasks.isEmpty else {
                print("No tasks in \(store.path) yet; `agenthost run CAPABILITY` runs one.")
                return
            }
            for task in tasks { print(TaskReport.line(task)) }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one task: its route, payload, result or error, and events.")

        @OptionGroup var host: HostOptions

        @Argument(help: "The task's id, as `tasks list` shows it.") var id: Int64

        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let store = try host.openStore()
            guard let task = try catching({ try store.task(id: id) }) else {
                throw CLIError("no task \(id) in \(store.path); `agenthost tasks list` shows the recent ones")
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
