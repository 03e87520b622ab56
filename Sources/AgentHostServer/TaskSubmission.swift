import AgentHostCore
import Hummingbird

/// A task as `POST /v1/tasks` takes it:
/// `{"capability": NAME | "text": WORDS, "input": {...}, "agents": [ID], "state": "EXECUTING", "timeout_ms": N}`.
struct TaskSubmission: Sendable {
    var request: TaskRequest
    let what: String

    init(_ body: JSONValue) throws {
        let target: TaskRequest.Target
        switch (body["capability"], body["text"]) {
        case (.string(let name)?, nil) where !name.isEmpty: target = .capability(name)
        case (nil, .string(let words)?) where !words.isEmpty: target = .text(words)
        case (nil, nil): throw HTTPError(.badRequest, message: #"say what to do: "capability" (a name, as GET /v1/capabilities lists them) or "text" (words to route)"#)
        default: throw HTTPError(.badRequest, message: #"give one of "capability" and "text", as a non-empty string"#)
        }
        var payload: [UInt8] = Array("{}".utf8)
        if let input = body["input"] {
            guard case .object = input else { throw HTTPError(.badRequest, message: #""input" must be a JSON object: the capability's input"#) }
            payload = []
            input.write(to: &payload)
        }
        var state = AgentState.executing
        if let value = body["state"] {
            guard case .string(let name) = value, let parsed = AgentState(name: name) else {
                throw HTTPError(.badRequest, message: #""state" must be one of PLANNING, EXECUTING, VERIFYING, LEARNING"#)
            }
            state = parsed
        }
        var request = TaskRequest(target, payload: payload, state: state)
        if let value = body["timeout_ms"] {
            guard case .number(let milliseconds) = value, milliseconds >= 1, milliseconds <= 86_400_000, milliseconds.rounded() == milliseconds else {
                throw HTTPError(.badRequest, message: #""timeout_ms" must be a whole number of milliseconds from 1 to 86400000"#)
            }
            request.timeout = .milliseconds(Int64(milliseconds))
        }
        if let value = body["agents"] {
            guard case .array(let items) = value, !items.isEmpty else {
                throw HTTPError(.badRequest, message: #""agents" must be a non-empty array of plugin ids, as GET /v1/agents lists them"#)
            }
            var agents = Set<String>()
            for item in items {
                guard case .string(let id) = item else { throw HTTPError(.badRequest, message: #""agents" holds plugin ids, as strings"#) }
                agents.insert(id)
            }
            request.agents = agents
        }
        self.request = request
        switch target {
        case .capability(let name): what = name
        case .text(let words): what = words
        }
    }

    /// Runs the task on this thread and ends `job` with its outcome.
    func run(on runtime: AgentRuntime, as job: ServedJob) {
        var request = self.request
        request.cancellation = job.cancellation
        request.progress = { report in
            job.post("progress") { json in
                if let fraction = report.fraction { json.key("fraction"); json.double(fraction) }
                json.key("message"); json.string(report.message)
            }
        }
        do {
            let outcome = try runtime.run(request)
            job.finish(ServedJob.Status(rawValue: outcome.status.rawValue) ?? .failed, taskID: outcome.id, result: outcome.result,
                       error: outcome.error?.description)
        } catch {
            job.finish(.failed, result: nil, error: error.description)
        }
    }
}
