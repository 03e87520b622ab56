import AgentHostDirectory
import Foundation
import Hummingbird
import Logging
import NIOCore

/// Serves a directory folder over HTTP: the signed index and the packages,
/// as a client fetches them, and the marketplace page for people. Nothing
/// is fetched from anywhere else; the page's style and script come from here.
public struct DirectoryServer: Sendable {
    public let folder: DirectoryFolder
    public var host: String
    public var port: Int

    public init(folder: DirectoryFolder, host: String = "127.0.0.1", port: Int = 8470) {
        self.folder = folder
        self.host = host
        self.port = port
    }

    /// Why the server could not start or stopped, in words.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Runs until SIGINT or SIGTERM; `onRunning` gets the port it listens on (useful with port 0).
    public func run(logger: Logger, onRunning: @escaping @Sendable (Int) -> Void) async throws(Failure) {
        let catalog = MarketplaceCatalog(folder: folder)
        let router = Router()
        router.add(middleware: FileMiddleware(folder.url.appendingPathComponent(DirectoryFolder.packagesFolder).path,
                                              urlBasePath: "/\(DirectoryFolder.packagesFolder)", logger: logger))
        for name in [DirectoryIndex.fileName, SignedIndex.signatureFileName] {
            router.get(RouterPath(name)) { _, _ -> Response in
                guard let data = FileManager.default.contents(atPath: folder.url.appendingPathComponent(name).path) else {
                    throw HTTPError(.notFound, message: "this directory has no \(name) yet: publish a package to it")
                }
                return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-cache"],
                                body: .init(byteBuffer: ByteBuffer(bytes: data)))
            }
        }
        router.get("/") { request, context -> Response in
            let query = request.uri.queryParameters["q"].map(String.init) ?? ""
            return html(MarketplacePage.list(try catalog.current(), query: query, address: address(of: request)))
        }
        router.get("/plugins/:id") { request, context -> Response in
            let id = try context.parameters.require("id")
            let state = try catalog.current()
            guard let plugin = state.index?.plugin(id) else {
                return html(MarketplacePage.missing(id: id, state: state), status: .notFound)
            }
            return html(MarketplacePage.plugin(plugin, state: state, address: address(of: request)))
        }
        router.get("/api/search") { request, context -> Response in
            let query = request.uri.queryParameters["q"].map(String.init) ?? ""
            let body = MarketplacePage.searchJSON(try catalog.current(), query: query)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        router.get("/assets/marketplace.css") { _, _ in asset(MarketplaceAssets.css, type: "text/css; charset=utf-8") }
        router.get("/assets/search.js") { _, _ in asset(MarketplaceAssets.script, type: "text/javascript; charset=utf-8") }

        let app = Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "agenthost"),
                              onServerRunning: { channel in onRunning(channel.localAddress?.port ?? port) }, logger: logger)
        do {
            try await app.runService()
        } catch {
            throw Failure(description: ListenFailure.describe(error, host: host, port: port, server: "the directory server"))
        }
    }
}

/// The address clients use for this directory, as the request reached it.
private func address(of request: Request) -> String {
    let host = request.head.authority ?? "127.0.0.1"
    return "http://\(host)"
}

private func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
    Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .contentSecurityPolicy: "default-src 'self'"],
             body: .init(byteBuffer: ByteBuffer(string: text)))
}

private func asset(_ text: String, type: String) -> Response {
    Response(status: .ok, headers: [.contentType: type, .cacheControl: "max-age=300"], body: .init(byteBuffer: ByteBuffer(string: text)))
}
