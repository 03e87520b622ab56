import Foundation

/// `agenthost serve` running in the background on a free loopback port,
/// with a connection to it: what the server tests and the benchmark start from.
public final class ServedHost: @unchecked Sendable {
    // @unchecked: used from the test's thread only.
    public let process: BackgroundHost
    public let port: Int

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Starts `agenthost serve --port 0 ARGUMENTS` and waits for its "serving" line.
    public init(_ arguments: [String], home: URL, extraEnvironment: [String: String] = [:]) throws {
        let process = try BackgroundHost(["serve", "--port", "0"] + arguments, home: home, extraEnvironment: extraEnvironment)
        self.process = process
        let started = BackgroundHost.until(60) { process.stdout.contains("serving ") || !process.process.isRunning }
        guard started, let port = Self.port(in: process.stdout) else {
            process.signal(SIGKILL)
            process.wait()
            throw Failure(description: "agenthost serve did not start: \(process.stdout)\(process.stderr)")
        }
        self.port = port
    }

    static func port(in output: String) -> Int? {
        guard let range = output.range(of: #"http://[^ ]+:(\d+)/"#, options: .regularExpression) else { return nil }
        let address = output[range].dropLast()
        return address.split(separator: ":").last.flatMap { Int($0) }
    }

    /// A new keep-alive connection to it.
    public func connect() throws -> LoopbackHTTPConnection { try LoopbackHTTPConnection(port: port) }

    /// One request on a connection of its own.
    public func request(_ method: String, _ path: String, json: String? = nil, headers: [String: String] = [:]) throws -> LoopbackHTTPConnection.Response {
        let connection = try connect()
        if let json { return try connection.send(method, path, json: json, headers: headers) }
        return try connection.send(method, path, headers: headers)
    }

    /// SIGTERM, then its exit status.
    @discardableResult
    public func stop(signal: Int32 = SIGTERM) -> Int32 {
        process.signal(signal)
        return process.wait()
    }

    deinit {
        if process.process.isRunning {
            process.signal(SIGKILL)
            process.wait()
        }
    }
}
