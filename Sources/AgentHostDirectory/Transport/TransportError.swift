/// Why a directory's file could not be fetched.
public enum TransportError: Error, Sendable, CustomStringConvertible {
    case unreachable(url: String, reason: String)
    case timedOut(url: String, seconds: Int)
    case status(url: String, code: Int)
    /// The connection ended before the whole file arrived: `detail` says how much, or what the connection said.
    case cutShort(url: String, detail: String)
    case tooLarge(url: String, limit: Int)
    case missing(path: String)
    case invalidLocation(String)

    public var description: String {
        switch self {
        case .unreachable(let url, let reason):
            "cannot reach \(url): \(reason); check the address, and that the directory's server is running"
        case .timedOut(let url, let seconds):
            "\(url) did not answer within \(seconds) s; the server is up but stalled, or the network is slow: try again later"
        case .status(let url, let code):
            "\(url) answered HTTP \(code)\(code == 404 ? " (not found): is this the address of an agenthost directory?" : "")"
        case .cutShort(let url, let detail):
            "the download of \(url) was cut short (\(detail)); try again"
        case .tooLarge(let url, let limit):
            "\(url) is larger than the \(limit) bytes expected; refused without reading the rest"
        case .missing(let path):
            "\(path) does not exist"
        case .invalidLocation(let text):
            "'\(text)' is not a directory's location: give a folder, a file:// URL or an http(s):// URL"
        }
    }
}
