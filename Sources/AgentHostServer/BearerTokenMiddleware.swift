import Hummingbird

/// Lets a request through only with `Authorization: Bearer TOKEN`, except
/// on the `open` paths (health probes). The comparison takes the same time
/// wherever the first wrong byte is.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: [UInt8]
    let open: Set<String>

    init(token: String, open: Set<String>) {
        self.token = Array(token.utf8)
        self.open = open
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if open.contains(request.uri.path) { return try await next(request, context) }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "), matches(Array(header.utf8.dropFirst(7))) else {
            throw HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Bearer"],
                            message: "this host needs Authorization: Bearer TOKEN, with the token it was started with")
        }
        return try await next(request, context)
    }

    private func matches(_ given: [UInt8]) -> Bool {
        var difference = UInt8(given.count == token.count ? 0 : 1)
        for index in token.indices { difference |= token[index] ^ (index < given.count ? given[index] : 0) }
        return difference == 0
    }
}
