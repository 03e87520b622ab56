/// A site's robots.txt, read for one user agent: the group naming it, or the
/// `*` group; the longest matching Allow or Disallow rule wins, Allow on a tie.
/// `*` in a rule matches any run of characters and a final `$` anchors it.
struct RobotsTxt: Sendable {
    private var rules: [(allow: Bool, pattern: String)] = []
    /// Seconds between requests the site asks for, if it does.
    private(set) var crawlDelay: Double?

    /// Everything is allowed (no robots.txt, or one that could not be read).
    static let allowAll = RobotsTxt()

    private init() {}

    init(_ text: String, userAgent: String) {
        let agent = userAgent.lowercased()
        var groups: [(agents: [String], rules: [(Bool, String)], delay: Double?)] = []
        var lastWasAgent = false
        for raw in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            let key = parts[0].lowercased(), value = parts[1]
            switch key {
            case "user-agent":
                if lastWasAgent, !groups.isEmpty { groups[groups.count - 1].agents.append(value.lowercased()) }
                else { groups.append(([value.lowercased()], [], nil)) }
                lastWasAgent = true
                continue
            case "allow", "disallow":
                // An empty Disallow allows everything; it adds no rule.
                if !groups.isEmpty, !value.isEmpty { groups[groups.count - 1].rules.append((key == "allow", value)) }
            case "crawl-delay":
                if !groups.isEmpty { groups[groups.count - 1].delay = Double(value) }
            default: break
            }
            lastWasAgent = false
        }
        let chosen = groups.first { $0.agents.contains { $0 != "*" && agent.contains($0) } } ?? groups.first { $0.agents.contains("*") }
        rules = chosen?.rules.map { (allow: $0.0, pattern: $0.1) } ?? []
        crawlDelay = chosen?.delay
    }

    /// Whether `path` (with its query) may be fetched.
    func allows(_ path: String) -> Bool {
        var best: (length: Int, allow: Bool)?
        for rule in rules where Self.matches(rule.pattern, path) {
            let length = rule.pattern.count
            if best == nil || length > best!.length || (length == best!.length && rule.allow) { best = (length, rule.allow) }
        }
        return best?.allow ?? true
    }

    private static func matches(_ pattern: String, _ path: String) -> Bool {
        let anchored = pattern.hasSuffix("$")
        let pieces = (anchored ? String(pattern.dropLast()) : pattern).split(separator: "*", omittingEmptySubsequences: false)
        var rest = Substring(path)
        for (index, piece) in pieces.enumerated() {
            let isLast = index == pieces.count - 1
            if index == 0 {
                guard rest.hasPrefix(piece) else { return false }
                rest = rest.dropFirst(piece.count)
                if isLast { return !anchored || rest.isEmpty }
            } else if piece.isEmpty {
                if isLast { return true }   // a trailing "*" takes the rest
            } else if isLast && anchored {
                return rest.hasSuffix(piece)
            } else if let found = rest.range(of: piece) {
                rest = rest[found.upperBound...]
            } else {
                return false
            }
        }
        return !anchored || rest.isEmpty
    }
}
