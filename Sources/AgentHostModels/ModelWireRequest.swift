import NIOHTTP1

/// A model call as it goes on the wire: where to, with which headers, and the body.
struct ModelWireRequest {
    var url: String
    var headers: HTTPHeaders
    var body: [UInt8]
}
