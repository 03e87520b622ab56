import AgentHostCore
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// `agenthost serve`: a host that stays up and takes tasks and workflow runs
/// over HTTP, streams their progress as server-sent events, and exposes its
/// health. The API is described in the README and in `openapi.yaml`.
///
/// It runs until SIGTERM or SIGINT; then it takes no new work (`/readyz`
/// answers 503), lets what runs finish for `drainGrace`, cancels what is
/// left (a run keeps its checkpoints and `agenthost resume` goes on), and
/// closes the store.
public struct AgentServer: Sendable {
    public struct Configuration: Sendable {
        public var host = "127.0.0.1"
        public var port = 8480
        /// Required of every request but `/healthz` and `/readyz` when set; required to bind beyond loopback.
        public var bearerToken: String?
        /// Jobs running or waiting at once; more are refused with 503.
        public var maxJobs = 256
        public var drainGrace: Duration = .seconds(30)
        /// The largest request body taken, in bytes.
        public var maxBodyBytes = 16 << 20
        public init() {}
    }

    /// Why the server could not start or stopped, in words.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    let configuration: Configuration
    let board: JobBoard
    let metrics: (@Sendable () -> [UInt8])?

    /// `metrics`, when given, writes what `/metrics` serves (`PrometheusMetrics.bootstrap()`).
    public init(orchestrator: Orchestrator, configuration: Configuration, metrics: (@Sendable () -> [UInt8])? = nil) throws(Failure) {
        if !Self.isLoopback(configuration.host), (configuration.bearerToken ?? "").isEmpty {
            throw Failure(description: """
                serving on \(configuration.host) lets other machines run agents here: set a bearer token first \
                (AGENTHOST_SERVE_TOKEN or --token-file FILE), or serve on 127.0.0.1
                """)
        }
        self.configuration = configuration
        self.board = JobBoard(orchestrator: orchestrator, limit: configuration.maxJobs)
        self.metrics = metrics
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// Serves until SIGTERM or SIGINT and the drain after it; `onRunning` gets the port it listens on.
    public func run(logger: Logger, onRunning: @escaping @Sendable (Int) -> Void) async throws(Failure) {
        let router = Hummingbird.Router()
        if let token = configuration.bearerToken, !token.isEmpty {
            router.add(middleware: BearerTokenMiddleware(token: token, open: ["/healthz", "/readyz"]))
        }
        addRoutes(to: router)
        let app = Application(router: router,
                              configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "agenthost"),
                              onServerRunning: { channel in onRunning(channel.localAddress?.port ?? configuration.port) }, logger: logger)
        let drain = JobDrain(board: board, grace: configuration.drainGrace, logger: logger)
        // Shut down in reverse order: the drain first, while the app still answers status and event requests.
        let group = ServiceGroup(configuration: .init(services: [.init(service: app), .init(service: drain)],
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            throw Failure(description: ListenFailure.describe(error, host: configuration.host, port: configuration.port, server: "the server"))
        }
    }
}

/// Waits for the shutdown signal, then drains the board.
struct JobDrain: Service {
    let board: JobBoard
    let grace: Duration
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        let running = board.inFlight
        if running > 0 { logger.notice("stopping: \(running) job(s) still run; they have \(grace) to finish before they are cancelled") }
        let (cancelled, unfinished) = await board.drain(grace: grace)
        if cancelled > 0 { logger.warning("stopping: cancelled \(cancelled) job(s); runs keep their checkpoints (`agenthost resume RUN`)") }
        if unfinished > 0 { logger.error("stopping: \(unfinished) job(s) did not end after cancellation; the store records them cancelled") }
    }
}
