import CAgentHost
import Foundation

/// The host's `agenthost.services/1`: files, the network and programs, each
/// checked by the host against the plugin's manifest. A refusal arrives as
/// ``AgentError`` with status AH_ERR_DENIED and the host's message.
extension AgentRequest {
    /// One entry of ``listFiles(_:recursive:maxEntries:includeHidden:)``.
    public struct FileEntry: Sendable, Decodable, Hashable {
        /// Relative to the listed folder.
        public var path: String
        /// "file", "folder", "link" or "other".
        public var kind: String
        public var size: Int64
        public var modifiedNanoseconds: Int64

        enum CodingKeys: String, CodingKey {
            case path, kind, size
            case modifiedNanoseconds = "modified_ns"
        }
    }

    /// A listing: the folder's absolute path and what is in it.
    public struct FileListing: Sendable, Decodable {
        public var root: String
        public var entries: [FileEntry]
        public var truncated: Bool
    }

    /// An HTTP request for ``http(_:)``.
    public struct HTTPRequest: Sendable, Encodable {
        public var url: String
        public var method: String
        public var headers: [String: String]
        public var body: String?
        public var timeoutMilliseconds: Int?
        public var maxBytes: Int?
        public var maxRedirects: Int?

        public init(url: String, method: String = "GET", headers: [String: String] = [:], body: String? = nil,
                    timeoutMilliseconds: Int? = nil, maxBytes: Int? = nil, maxRedirects: Int? = nil) {
            self.url = url
            self.method = method
            self.headers = headers
            self.body = body
            self.timeoutMilliseconds = timeoutMilliseconds
            self.maxBytes = maxBytes
            self.maxRedirects = maxRedirects
        }

        enum CodingKeys: String, CodingKey {
            case url, method, headers, body
            case timeoutMilliseconds = "timeout_ms"
            case maxBytes = "max_bytes"
            case maxRedirects = "max_redirects"
        }
    }

    /// What ``http(_:)`` brought back; `body` is the raw bytes.
    public struct HTTPResponse: Sendable, Decodable {
        public var status: Int
        /// The URL answered, after redirects.
        public var url: String
        /// Header names in lower case.
        public var headers: [String: String]
        public var redirects: [String]
        /// The body was cut at the request's (or the manifest's) byte cap.
        public var truncated: Bool
        public var body: [UInt8] = []

        enum CodingKeys: String, CodingKey { case status, url, headers, redirects, truncated }
    }

    /// A program to run with ``run(_:)``.
    public struct Command: Sendable, Encodable {
        public var argv: [String]
        /// Relative to the workspace; the workspace when nil.
        public var cwd: String?
        public var stdin: String?
        public var timeoutMilliseconds: Int?
        public var maxOutputBytes: Int?
        public var environment: [String: String]?

        public init(_ argv: [String], cwd: String? = nil, stdin: String? = nil, timeoutMilliseconds: Int? = nil,
                    maxOutputBytes: Int? = nil, environment: [String: String]? = nil) {
            self.argv = argv
            self.cwd = cwd
            self.stdin = stdin
            self.timeoutMilliseconds = timeoutMilliseconds
            self.maxOutputBytes = maxOutputBytes
            self.environment = environment
        }

        enum CodingKeys: String, CodingKey {
            case argv, cwd, stdin
            case timeoutMilliseconds = "timeout_ms"
            case maxOutputBytes = "max_output_bytes"
            case environment = "env"
        }
    }

    /// How a program ended and what it printed.
    public struct CommandResult: Sendable, Decodable {
        public var exitCode: Int32
        public var stdout: String
        public var stderr: String
        public var timedOut: Bool
        public var stdoutTruncated: Bool
        public var stderrTruncated: Bool
        public var durationMilliseconds: Double

        enum CodingKeys: String, CodingKey {
            case stdout, stderr
            case exitCode = "exit_code"
            case timedOut = "timed_out"
            case stdoutTruncated = "stdout_truncated"
            case stderrTruncated = "stderr_truncated"
            case durationMilliseconds = "duration_ms"
        }
    }

    /// Reads a file; relative paths start at the workspace.
    public func readFile(_ path: String) throws -> [UInt8] {
        try service(\.read_file, "read_file") { read, sink in withStr(path.utf8) { read(host.raw, callID, $0, sink) } }
    }

    /// Writes a file atomically, creating missing folders.
    public func writeFile(_ path: String, _ contents: some Collection<UInt8>) throws {
        _ = try service(\.write_file, "write_file") { write, sink in
            withStr(path.utf8) { p in withStr(contents) { c in write(host.raw, callID, p, c, sink) } }
        }
    }

    /// Removes a file, or a folder and everything in it.
    public func removeFile(_ path: String) throws {
        _ = try service(\.remove_file, "remove_file") { remove, sink in withStr(path.utf8) { remove(host.raw, callID, $0, sink) } }
    }

    /// Lists a folder, walking into subfolders when `recursive`; links are listed, not followed.
    public func listFiles(_ path: String = ".", recursive: Bool = false, maxEntries: Int? = nil,
                          includeHidden: Bool = false) throws -> FileListing {
        struct Request: Encodable { var path: String; var recursive: Bool; var max_entries: Int?; var include_hidden: Bool }
        let request = try JSONEncoder().encode(Request(path: path, recursive: recursive, max_entries: maxEntries, include_hidden: includeHidden))
        let bytes = try service(\.list_files, "list_files") { list, sink in withStr(request) { list(host.raw, callID, $0, sink) } }
        return try decodeAnswer(FileListing.self, bytes, "list_files")
    }

    /// Sends an HTTP request through the host, which follows redirects it allows.
    public func http(_ request: HTTPRequest) throws -> HTTPResponse {
        let table = try services()
        guard let send = table.pointee.http_request, Self.offers(table, \.http_request) else {
            throw AgentError.unsupported("this host's \(AH_EXTENSION_SERVICES) has no http_request")
        }
        let encoded = try JSONEncoder().encode(request)
        let head = ByteCollector(), body = ByteCollector()
        let status = withStr(encoded) { r in head.withSink { h in body.withSink { b in send(host.raw, callID, r, h, b) } } }
        guard status == Int32(AH_OK) else { throw AgentError(status: status, message: String(decoding: head.bytes, as: UTF8.self)) }
        var response = try decodeAnswer(HTTPResponse.self, head.bytes, "http_request")
        response.body = body.bytes
        return response
    }

    /// Runs a program the manifest declares, in the workspace unless `cwd` says otherwise.
    public func run(_ command: Command) throws -> CommandResult {
        let encoded = try JSONEncoder().encode(command)
        let bytes = try service(\.run_command, "run_command") { run, sink in withStr(encoded) { run(host.raw, callID, $0, sink) } }
        return try decodeAnswer(CommandResult.self, bytes, "run_command")
    }

    // MARK: - Plumbing

    private func services() throws -> UnsafePointer<ah_host_services> {
        guard let table = host.raw.pointee.get_extension?(host.raw, AH_EXTENSION_SERVICES) else {
            throw AgentError.unsupported("the host does not offer \(AH_EXTENSION_SERVICES)")
        }
        return table.assumingMemoryBound(to: ah_host_services.self)
    }

    /// Whether the host's table is long enough to hold `field` (fields are appended over releases).
    private static func offers<Field>(_ table: UnsafePointer<ah_host_services>, _ field: KeyPath<ah_host_services, Field>) -> Bool {
        guard let offset = MemoryLayout<ah_host_services>.offset(of: field) else { return false }
        return offset + MemoryLayout<Field>.size <= Int(table.pointee.struct_size)
    }

    /// Calls one service with a sink; a non-OK status becomes an ``AgentError`` carrying the host's message.
    private func service<Function>(_ field: KeyPath<ah_host_services, Function?>, _ name: String,
                                   _ body: (Function, ah_sink) -> ah_status) throws -> [UInt8] {
        let table = try services()
        guard Self.offers(table, field), let function = table.pointee[keyPath: field] else {
            throw AgentError.unsupported("this host's \(AH_EXTENSION_SERVICES) has no \(name)")
        }
        let collector = ByteCollector()
        let status = collector.withSink { body(function, $0) }
        guard status == Int32(AH_OK) else { throw AgentError(status: status, message: String(decoding: collector.bytes, as: UTF8.self)) }
        return collector.bytes
    }

    private func decodeAnswer<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], _ service: String) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch {
            throw AgentError.failed("the host's \(service) answer is not what \(AH_EXTENSION_SERVICES) specifies: \(error)")
        }
    }
}
