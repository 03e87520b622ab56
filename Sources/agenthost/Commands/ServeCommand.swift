import AgentHostCore
import AgentHostServer
import ArgumentParser
import Foundation
import Logging
import Synchronization

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Stay up and take tasks and workflow runs over HTTP (see the README's HTTP API).",
        discussion: """
            POST /v1/tasks and /v1/runs take work (add ?wait=true to get the result in the answer); GET /v1/jobs/ID \
            reads it, GET /v1/jobs/ID/events streams its progress as server-sent events, POST /v1/jobs/ID/cancel stops it. \
            GET /v1/agents, /v1/capabilities, /healthz, /readyz. On SIGTERM or SIGINT it takes no new work, lets running \
            jobs finish for --drain-seconds, cancels the rest (runs keep their checkpoints) and exits 0.
            """)

    @OptionGroup var host: HostOptions
    @Option(name: .customLong("host"), help: "The address to listen on; beyond loopback a bearer token is required.")
    var address: String = "127.0.0.1"
    @Option(help: "The port to listen on (0: any free port).") var port: Int = 8480
    @Option(help: ArgumentHelp("A file holding the bearer token every request must carry (else AGENTHOST_SERVE_TOKEN).", valueName: "file"))
    var tokenFile: String?
    @Option(help: "Jobs running or waiting at once; more are refused with 503.") var maxJobs: Int = 256
    @Option(help: "How long running jobs may take to finish after SIGTERM before they are cancelled.") var drainSeconds: Int = 30

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535, got \(port)") }
        try Limits.checkCount(maxJobs, "--max-jobs", maximum: 100_000)
        guard (0...3600).contains(drainSeconds) else { throw ValidationError("--drain-seconds must be from 0 to 3600, got \(drainSeconds)") }
    }

    func run() throws {
        // Before anything records a metric: one made earlier would stay with the no-op backend.
        let metrics = PrometheusMetrics.bootstrap()
        var configuration = AgentServer.Configuration()
        configuration.host = address
        configuration.port = port
        configuration.maxJobs = maxJobs
        configuration.drainGrace = .seconds(drainSeconds)
        configuration.bearerToken = try token()

        let agentHost = try host.makeHost()
        let store = try host.openStore()
        defer { AgentHost.shutdown() }
        let server: AgentServer
        do {
            server = try AgentServer(orchestrator: Orchestrator(runtime: AgentRuntime(host: agentHost, store: store)),
                                     configuration: configuration, metrics: metrics)
        } catch {
            throw CLIError(error.description)
        }
        var logger = Logger(label: "agenthost.serve")
        logger.logLevel = Logger.Level(rawValue: host.logLevel.lowercased()) ?? .warning
        let finished = DispatchSemaphore(value: 0)
        let failure = Mutex<AgentServer.Failure?>(nil)
        let shown = address.contains(":") ? "[\(address)]" : address
        let storePath = host.storePath
        Task {
            do throws(AgentServer.Failure) {
                try await server.run(logger: logger) { port in
                    // A script that started the server waits for this line: write it at once.
                    let line = "serving \(agentHost.registry.plugins.count) agents at http://\(shown):\(port)/ "
                        + "(store \(storePath); Ctrl-C or SIGTERM stops)\n"
                    FileHandle.standardOutput.write(Data(line.utf8))
                }
            } catch {
                failure.withLock { $0 = error }
            }
            finished.signal()
        }
        finished.wait()
        // What a drain could not end is recorded as cancelled, so a resume can take it up.
        do {
            try store.close(openWorkAs: .cancelled, reason: "the server stopped")
        } catch {
            FileHandle.standardError.write(Data("agenthost: could not record that this host ended: \(error)\n".utf8))
        }
        if let error = failure.withLock({ $0 }) { throw CLIError(error.description) }
        FileHandle.standardOutput.write(Data("stopped\n".utf8))
    }

    /// The token from --token-file or AGENTHOST_SERVE_TOKEN; never from the command line, where `ps` shows it.
    private func token() throws -> String? {
        if let tokenFile {
            guard let data = FileManager.default.contents(atPath: tokenFile) else {
                throw CLIError("cannot read the token file \(tokenFile); give a file that holds the token on one line")
            }
            guard let text = String(data: data, encoding: .utf8) else { throw CLIError("the token file \(tokenFile) is not UTF-8 text") }
            let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard token.count >= 16, !token.contains(where: \.isWhitespace) else {
                throw CLIError("the token in \(tokenFile) must be at least 16 characters with no spaces (e.g. `openssl rand -hex 32 > \(tokenFile)`)")
            }
            return token
        }
        if let token = ProcessInfo.processInfo.environment["AGENTHOST_SERVE_TOKEN"], !token.isEmpty {
            guard token.count >= 16, !token.contains(where: \.isWhitespace) else {
                throw CLIError("AGENTHOST_SERVE_TOKEN must be at least 16 characters with no spaces (e.g. `openssl rand -hex 32`)")
            }
            return token
        }
        return nil
    }
}
