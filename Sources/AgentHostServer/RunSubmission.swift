import AgentHostCore
import Hummingbird
import Tracing

/// A workflow run as `POST /v1/runs` takes it: `{"workflow": YAML text or
/// the same as a JSON object, "inputs": {"name": value}}`. The workflow is
/// checked against the loaded plugins and the policy before it is taken, so
/// a bad one is a 400 naming every problem, not a failed job.
struct RunSubmission: Sendable {
    let workflow: Workflow
    let inputs: [String: String]
    /// The caller's trace, which the run's span joins.
    var traceContext: InstrumentationContext?

    init(_ body: JSONValue, orchestrator: Orchestrator) throws {
        let text: String
        switch body["workflow"] {
        case .string(let yaml)?: text = yaml
        case .object(let fields)?:
            var bytes: [UInt8] = []
            JSONValue.object(fields).write(to: &bytes)
            text = String(decoding: bytes, as: UTF8.self)  // JSON is YAML
        default:
            throw HTTPError(.badRequest, message: #""workflow" must be the workflow: its YAML as a string, or the same as a JSON object"#)
        }
        var inputs: [String: String] = [:]
        if let value = body["inputs"] {
            guard case .object(let fields) = value else {
                throw HTTPError(.badRequest, message: #""inputs" must be an object of the workflow's inputs, {"name": value}"#)
            }
            for (name, value) in fields {
                switch value {
                case .string(let text): inputs[name] = text
                case .number, .bool:
                    var bytes: [UInt8] = []
                    value.write(to: &bytes)
                    inputs[name] = String(decoding: bytes, as: UTF8.self)
                default: throw HTTPError(.badRequest, message: #"input "\#(name)" must be a string, a number or true/false"#)
                }
            }
        }
        do {
            workflow = try WorkflowFile.parse(text, path: "the request's workflow")
        } catch {
            throw HTTPError(.badRequest, message: error.description)
        }
        do {
            _ = try orchestrator.validate(workflow, inputs: inputs)
        } catch {
            throw HTTPError(.badRequest, message: error.description)
        }
        self.inputs = inputs
    }

    /// Runs the workflow on this thread, posting each step's start and end, and ends `job` with the run's outcome.
    func run(on orchestrator: Orchestrator, as job: ServedJob) {
        var options = RunOptions(inputs: inputs)
        options.cancellation = job.cancellation
        options.traceContext = traceContext
        options.progress = { event in Self.post(event, to: job) }
        do {
            let report = try orchestrator.run(workflow, options: options)
            job.finish(ServedJob.Status(rawValue: report.status.rawValue) ?? .failed, runID: report.runID, result: report.result, error: report.error)
        } catch {
            job.finish(.failed, result: nil, error: error.description)
        }
    }

    static func post(_ event: RunProgress, to job: ServedJob) {
        switch event {
        case .started(let step, let attempt, let agent):
            job.post("step_started") { json in
                json.key("step"); json.string(step)
                json.key("attempt"); json.int(attempt)
                json.key("agent"); json.string(agent)
            }
        case .ended(let step, let attempt, let agent, let outcome, let problem, let micros):
            job.post("step_ended") { json in
                json.key("step"); json.string(step)
                json.key("attempt"); json.int(attempt)
                json.key("agent"); json.string(agent)
                json.key("outcome"); json.string(outcome.rawValue)
                json.key("microseconds"); json.int(Int(micros))
                if let problem { json.key("problem"); json.string(problem) }
            }
        case .backtracked(let step, let checkpoint, let next):
            job.post("backtracked") { json in
                json.key("step"); json.string(step)
                json.key("checkpoint"); json.int(checkpoint)
                json.key("next"); json.string(next)
            }
        case .restored(let step, let status):
            job.post("restored") { json in
                json.key("step"); json.string(step)
                json.key("status"); json.string(status.rawValue)
            }
        case .skipped(let step, let reason):
            job.post("skipped") { json in
                json.key("step"); json.string(step)
                json.key("reason"); json.string(reason)
            }
        }
    }
}
