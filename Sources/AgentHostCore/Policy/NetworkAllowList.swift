import Foundation

/// Host names an agent may reach, as manifests and policies write them:
/// `example.org`, `*.example.org` (any subdomain, not the domain itself),
/// `127.0.0.1`, `localhost:8080` (that port only), or `*` (anywhere).
public struct NetworkAllowList: Sendable, Hashable {
    public let patterns: [String]

    public init(_ patterns: [String]) { self.patterns = patterns }

    /// Whether `url` (http or https) names an allowed host and port.
    public func allows(_ url: URL) -> Bool {
        guard let host = url.host?.lowercased() else { return false }
        let port = url.port ?? (url.scheme?.lowercased() == "https" ? 443 : 80)
        return patterns.contains { Self.matches($0.lowercased(), host: host, port: port) }
    }

    private static func matches(_ pattern: String, host: String, port: Int) -> Bool {
        if pattern == "*" { return true }
        var name = Substring(pattern)
        if let colon = pattern.lastIndex(of: ":"), !pattern.hasPrefix("[") || pattern[..<colon].hasSuffix("]") {
            guard let required = Int(pattern[pattern.index(after: colon)...]), required == port else { return false }
            name = pattern[..<colon]
        }
        if name.hasPrefix("*.") { return host.hasSuffix(name.dropFirst(1)) }
        return host == name || "[\(host)]" == name
    }
}
