import AgentHostCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Tracing

extension AgentServer {
    func addRoutes(to router: Hummingbird.Router<BasicRequestContext>) {
        let board = self.board
        let maxBody = configuration.maxBodyBytes

        router.get("/healthz") { _, _ in Self.json(#"{"status":"ok"}"#) }
        router.get("/readyz") { _, _ in
            board.isDraining ? Self.json(#"{"status":"draining"}"#, status: .serviceUnavailable) : Self.json(#"{"status":"ready"}"#)
        }
        if let metrics {
            router.get("/metrics") { _, _ in
                Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                         body: .init(byteBuffer: ByteBuffer(bytes: metrics())))
            }
        }

        router.get("/v1/agents") { _, _ in Self.json(Self.agentsJSON(board.runtime.host.registry)) }
        router.get("/v1/capabilities") { _, _ in Self.json(Self.capabilitiesJSON(board.runtime.host.registry)) }

        router.post("/v1/tasks") { request, context -> Response in
            let body = try await Self.jsonBody(request, limit: maxBody)
            var submission = try TaskSubmission(body)
            submission.request.traceContext = Self.traceContext(of: request)
            let task = submission
            let job = try Self.submit(board, .task, what: task.what) { job in task.run(on: board.runtime, as: job) }
            return try await Self.accepted(job, request: request)
        }
        router.post("/v1/runs") { request, context -> Response in
            let body = try await Self.jsonBody(request, limit: maxBody)
            var submission = try RunSubmission(body, orchestrator: board.orchestrator)
            submission.traceContext = Self.traceContext(of: request)
            let run = submission
            let job = try Self.submit(board, .run, what: run.workflow.name) { job in run.run(on: board.orchestrator, as: job) }
            return try await Self.accepted(job, request: request)
        }

        router.get("/v1/jobs") { request, _ -> Response in
            let limit = try Self.limit(request, default: 50, maximum: JobBoard.keptFinished)
            var bytes: [UInt8] = [UInt8(ascii: "[")]
            for (index, job) in board.recent(limit: limit).enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                bytes += job.json()
            }
            bytes.append(UInt8(ascii: "]"))
            return Self.json(bytes)
        }
        router.get("/v1/jobs/:id") { _, context in Self.json(try Self.job(board, context).json()) }
        router.post("/v1/jobs/:id/cancel") { _, context -> Response in
            let job = try Self.job(board, context)
            if !job.status.isFinished { job.cancellation.cancel() }
            return Self.json(job.json(), status: job.status.isFinished ? .ok : .accepted)
        }
        router.get("/v1/jobs/:id/events") { _, context -> Response in
            let job = try Self.job(board, context)
            let events = job.events().map(\.serverSent)
            return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                            body: .init(asyncSequence: events))
        }

        router.get("/v1/runs/:id/timeline") { request, context -> Response in
            guard let id = context.parameters.get("id", as: Int64.self) else {
                throw HTTPError(.badRequest, message: "a run's id is a whole number, as `agenthost runs list` shows it")
            }
            guard let timeline = try board.runtime.store.timeline(ofRun: id) else {
                throw HTTPError(.notFound, message: "no run \(id) in this host's store")
            }
            switch request.uri.queryParameters["format"].map(String.init) ?? "html" {
            case "html":
                return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'"],
                                body: .init(byteBuffer: ByteBuffer(string: timeline.html())))
            case "chrome": return Self.json(timeline.chromeTrace())
            case let other: throw HTTPError(.badRequest, message: "format '\(other)' is not one of html, chrome")
            }
        }
    }

    // MARK: - Helpers

    /// The caller's trace, from its `traceparent` and `tracestate` headers: the job's spans join it.
    static func traceContext(of request: Request) -> InstrumentationContext? {
        guard HostSpan.isEnabled, let parent = HTTPField.Name("traceparent"), let state = HTTPField.Name("tracestate") else { return nil }
        return HostSpan.context(traceparent: request.headers[parent], tracestate: request.headers[state])
    }

    static func submit(_ board: JobBoard, _ kind: ServedJob.Kind, what: String,
                       work: @escaping @Sendable (ServedJob) -> Void) throws -> ServedJob {
        do throws(JobBoard.Refusal) {
            return try board.submit(kind, what: what, work: work)
        } catch .draining {
            throw HTTPError(.serviceUnavailable, message: "this host is shutting down and takes no new work; send it to another host")
        } catch .full(let limit) {
            throw HTTPError(.serviceUnavailable, headers: [.retryAfter: "1"],
                            message: "this host runs \(limit) jobs already (its --max-jobs); try again in a moment")
        }
    }

    /// 202 with the job and where to find it; with `?wait=true`, 200 once it has ended.
    static func accepted(_ job: ServedJob, request: Request) async throws -> Response {
        let wait = request.uri.queryParameters["wait"].map(String.init)
        guard let wait, wait == "true" || wait == "1" else {
            return json(job.json(), status: .accepted, headers: [.location: "/v1/jobs/\(job.id)"])
        }
        for await _ in job.events() {}
        return json(job.json(), status: .ok, headers: [.location: "/v1/jobs/\(job.id)"])
    }

    static func job(_ board: JobBoard, _ context: BasicRequestContext) throws -> ServedJob {
        guard let id = context.parameters.get("id", as: Int64.self) else {
            throw HTTPError(.badRequest, message: "a job's id is a whole number, as POST /v1/tasks or /v1/runs gave it")
        }
        guard let job = board.job(id) else {
            throw HTTPError(.notFound, message: "no job \(id) on this host (it keeps the last \(JobBoard.keptFinished)); GET /v1/jobs lists them")
        }
        return job
    }

    static func limit(_ request: Request, default value: Int, maximum: Int) throws -> Int {
        guard let text = request.uri.queryParameters["limit"] else { return value }
        guard let limit = Int(text), (1...maximum).contains(limit) else {
            throw HTTPError(.badRequest, message: "limit must be a whole number from 1 to \(maximum), got '\(text)'")
        }
        return limit
    }

    /// The body as a JSON object: UTF-8, within `limit` bytes.
    static func jsonBody(_ request: Request, limit: Int) async throws -> JSONValue {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            throw HTTPError(.contentTooLarge, message: "the body is larger than \(limit) bytes (the server's --max-body)")
        }
        let bytes = Array(buffer.readableBytesView)
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw HTTPError(.badRequest, message: "the body is not UTF-8; send JSON text in UTF-8")
        }
        let value: JSONValue
        do {
            value = try JSONValue(parsing: bytes)
        } catch {
            throw HTTPError(.badRequest, message: "the body \(error); send one JSON object")
        }
        guard case .object = value else { throw HTTPError(.badRequest, message: "the body must be a JSON object") }
        return value
    }

    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        json(Array(text.utf8), status: status)
    }

    static func json(_ bytes: [UInt8], status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func agentsJSON(_ registry: PluginRegistry) -> [UInt8] {
        var json = JSONWriter(capacity: 4096)
        json.beginArray()
        for plugin in registry.plugins {
            json.beginObject()
            json.key("id"); json.string(plugin.id)
            json.key("name"); json.string(plugin.manifest.name)
            json.key("version"); json.string(plugin.manifest.version)
            json.key("description"); json.string(plugin.manifest.description)
            json.key("trusted"); json.bool(plugin.isTrusted)
            json.key("isolation"); json.string("\(plugin.isolation)")
            json.key("available"); json.bool(plugin.isAvailable)
            json.key("capabilities"); json.beginArray()
            for capability in plugin.manifest.capabilities { json.string(capability.name) }
            json.endArray()
            json.key("tools"); json.beginArray()
            for tool in plugin.manifest.tools { json.string(tool.name) }
            json.endArray()
            json.endObject()
        }
        json.endArray()
        return json.bytes
    }

    static func capabilitiesJSON(_ registry: PluginRegistry) -> [UInt8] {
        var json = JSONWriter(capacity: 4096)
        json.beginArray()
        var seen = Set<String>()
        for plugin in registry.plugins {
            for capability in plugin.manifest.capabilities where seen.insert(capability.name).inserted {
                json.beginObject()
                json.key("name"); json.string(capability.name)
                json.key("description"); json.string(capability.description)
                if let input = capability.input { json.key("input"); json.value(input) }
                json.key("agents"); json.beginArray()
                for agent in registry.plugins where agent.manifest.capabilities.contains(where: { $0.name == capability.name }) {
                    json.string(agent.id)
                }
                json.endArray()
                json.endObject()
            }
        }
        json.endArray()
        return json.bytes
    }
}
