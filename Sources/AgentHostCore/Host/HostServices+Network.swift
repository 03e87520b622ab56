import CAgentHost
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// fetch and http_request: every hop of a redirect chain is checked against
/// the manifest's `network` hosts and the policy before it is sent, bodies
/// are capped, and the call's deadline and the manifest's timeout bound the
/// whole exchange.
extension HostServices {
    struct HTTPRequest: Decodable {
        var method: String?
        var url: String
        var headers: [String: String]?
        var body: String?
        var timeout_ms: Int?
        var max_bytes: Int?
        var max_redirects: Int?
    }

    struct HTTPHead: Encodable {
        var status: Int
        var url: String
        var headers: [String: String]
        var redirects: [String]
        var truncated: Bool
        var bytes: Int
    }

    /// A request the service refused or could not complete, with the status to answer.
    struct HTTPProblem: Error {
        var status: ah_status
        var message: String
        var denial: TaskEvent.Kind?
    }

    static let fetch: @convention(c) (UnsafePointer<ah_host>?, UInt64, ah_str, UnsafeMutablePointer<Int32>?, ah_sink) -> ah_status = {
        host, callID, url, httpStatus, out in
        guard let call = HostTable.call(callID, of: host) else { return ah_status(AH_ERR_NOT_FOUND) }
        guard let url = text(url, limit: AH_MAX_PATH_BYTES, what: "the URL", service: "fetch", for: call, out) else {
            return ah_status(AH_ERR_INVALID_ARGUMENT)
        }
        switch exchange(HTTPRequest(url: url), for: call) {
        case .success(let (head, body)):
            httpStatus?.pointee = Int32(head.status)
            out.send(Array(body))
            return ah_status(AH_OK)
        case .failure(let problem):
            return answer(problem, call: call, out)
        }
    }

    static let httpRequest: @convention(c) (UnsafePointer<ah_host>?, UInt64, ah_str, ah_sink, ah_sink) -> ah_status = {
        host, callID, request, head, body in
        guard let call = HostTable.call(callID, of: host) else { return ah_status(AH_ERR_NOT_FOUND) }
        guard let bytes = input(request, limit: AH_MAX_PAYLOAD_BYTES, what: "the request", service: "http_request", for: call, head) else {
            return ah_status(AH_ERR_INVALID_ARGUMENT)
        }
        guard let request = try? JSONDecoder().decode(HTTPRequest.self, from: Data(bytes)) else {
            head.send("http_request: expected JSON {\"url\", \"method\"?, \"headers\"?, \"body\"?, \"timeout_ms\"?, \"max_bytes\"?, \"max_redirects\"?}")
            return ah_status(AH_ERR_INVALID_ARGUMENT)
        }
        switch exchange(request, for: call) {
        case .success(let (answer, data)):
            guard let encoded = try? JSONEncoder().encode(answer) else { return ah_status(AH_ERR_INTERNAL) }
            head.send(Array(encoded))
            body.send(Array(data))
            return ah_status(AH_OK)
        case .failure(let problem):
            return answer(problem, call: call, head)
        }
    }

    private static func answer(_ problem: HTTPProblem, call: ActiveCall, _ out: ah_sink) -> ah_status {
        if let kind = problem.denial { return deny(call, kind, problem.message, out) }
        out.send(problem.message)
        return problem.status
    }

    /// Sends `request`, following redirects the allow-lists permit.
    static func exchange(_ request: HTTPRequest, for call: ActiveCall) -> Result<(HTTPHead, Data), HTTPProblem> {
        let permissions = call.plugin.manifest.permissions
        let timeout = min(request.timeout_ms ?? permissions.timeoutMilliseconds, permissions.timeoutMilliseconds)
        var deadline = Date().addingTimeInterval(Double(timeout) / 1000)
        if call.deadlineNanoseconds != 0 {
            deadline = min(deadline, Date(timeIntervalSince1970: Double(call.deadlineNanoseconds) / 1e9))
        }
        let maxBytes = min(max(request.max_bytes ?? permissions.maxOutputBytes, 0), permissions.maxOutputBytes)
        let maxRedirects = min(max(request.max_redirects ?? 5, 0), 20)
        var method = (request.method ?? "GET").uppercased()
        var body = request.body.map { Data($0.utf8) }
        var text = request.url
        var redirects: [String] = []
        while true {
            guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil else {
                return .failure(HTTPProblem(status: ah_status(AH_ERR_INVALID_ARGUMENT), message: "fetch '\(text)': not an http or https URL"))
            }
            guard call.plugin.permissions.network.allows(url) else {
                return .failure(HTTPProblem(status: ah_status(AH_ERR_DENIED),
                                            message: "fetch '\(text)' refused: '\(call.plugin.id)' declares no permission for host "
                                                + "'\(url.host ?? "")' (permissions.network: \(permissions.network))",
                                            denial: .permissionDenied))
            }
            if let allowed = call.host.policy.guardrails(for: call.plugin.id).network, !allowed.allows(url) {
                return .failure(HTTPProblem(status: ah_status(AH_ERR_DENIED), message: "fetch '\(text)' refused by the policy's network allow-list",
                                            denial: .guardrailTripped))
            }
            var hop = URLRequest(url: url)
            hop.httpMethod = method
            hop.httpBody = body
            for (name, value) in request.headers ?? [:] { hop.setValue(value, forHTTPHeaderField: name) }
            if hop.value(forHTTPHeaderField: "User-Agent") == nil { hop.setValue("agenthost/\(AgentHost.version)", forHTTPHeaderField: "User-Agent") }
            // The server joins the agent call's trace, unless the plugin set its own context.
            if hop.value(forHTTPHeaderField: "traceparent") == nil, let trace = HostSpan.traceparent(of: call.options.traceContext) {
                hop.setValue(trace.traceparent, forHTTPHeaderField: "traceparent")
                if let state = trace.tracestate { hop.setValue(state, forHTTPHeaderField: "tracestate") }
            }
            let response: HTTPExchange.Response
            switch HTTPExchange.perform(hop, maxBytes: maxBytes, deadline: deadline, cancelled: { call.isCancelled }) {
            case .success(let value): response = value
            case .failure(.deadline):
                return .failure(HTTPProblem(status: ah_status(AH_ERR_DEADLINE), message: "fetch '\(text)': no complete answer within \(timeout) ms"))
            case .failure(.cancelled):
                return .failure(HTTPProblem(status: ah_status(AH_ERR_CANCELLED), message: "fetch '\(text)': cancelled"))
            case .failure(.unreachable(let reason)):
                return .failure(HTTPProblem(status: ah_status(AH_ERR_UNAVAILABLE), message: "fetch '\(text)': the server cannot be reached (\(reason))"))
            }
            let isRedirect = [301, 302, 303, 307, 308].contains(response.status)
            guard isRedirect, let location = response.headers["location"], let next = URL(string: location, relativeTo: url)?.absoluteURL else {
                return .success((HTTPHead(status: response.status, url: text, headers: response.headers, redirects: redirects,
                                          truncated: response.truncated, bytes: response.body.count), response.body))
            }
            guard redirects.count < maxRedirects else {
                return .failure(HTTPProblem(status: ah_status(AH_ERR_UNAVAILABLE),
                                            message: "fetch '\(request.url)': more than \(maxRedirects) redirects (\((redirects + [text]).joined(separator: " -> ")))"))
            }
            redirects.append(text)
            // As browsers do: 303, and 301/302 after a POST, continue as GET without the body.
            if response.status == 303 || ([301, 302].contains(response.status) && method == "POST") {
                method = "GET"
                body = nil
            }
            text = next.absoluteString
        }
    }
}
