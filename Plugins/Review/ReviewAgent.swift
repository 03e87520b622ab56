import AgentPluginKit
import AgentSupport
import Foundation

/// The Review agent: `review.diff` reads a unified diff and answers comments
/// (file, line, severity, rule) and a verdict.
struct ReviewAgent: AgentPlugin {
    static let descriptor = AgentDescriptor(id: "agenthost.review", name: "Review", version: "0.1.0",
                                            capabilities: ["review.diff"], threadSafe: true)

    struct Input: Decodable {
        var diff: String
        var maxLineLength: Int?
        var maxFunctionLines: Int?
        var largeFileBytes: Int?

        enum CodingKeys: String, CodingKey {
            case diff
            case maxLineLength = "max_line_length"
            case maxFunctionLines = "max_function_lines"
            case largeFileBytes = "large_file_bytes"
        }
    }

    struct Review: Encodable {
        /// "approve" (nothing above info), "comment" (warnings), "request_changes" (errors).
        var verdict: String
        var summary: String
        var files: [String]
        var counts: [String: Int]
        var comments: [ReviewComment]
    }

    init(host: PluginHost) {}

    func handle(_ request: AgentRequest) throws -> AgentReply {
        guard request.capability == "review.diff" else {
            throw AgentError.unsupported("the review agent has no capability '\(request.capability)'")
        }
        let input = try request.decode(Input.self)
        var rules = ReviewRules()
        if let value = input.maxLineLength { rules.maxLineLength = max(1, value) }
        if let value = input.maxFunctionLines { rules.maxFunctionLines = max(1, value) }
        if let value = input.largeFileBytes { rules.largeFileBytes = max(0, value) }
        let diff: UnifiedDiff
        do {
            diff = try UnifiedDiff(parsing: input.diff)
        } catch {
            throw AgentError.invalidArgument("review.diff: \(error); pass the output of `git diff` or `diff -u`")
        }
        guard !diff.files.isEmpty else {
            throw AgentError.invalidArgument("review.diff: the input has no file changes (no '--- a/...' '+++ b/...' headers); pass a unified diff")
        }
        let comments = DiffReviewer(rules: rules).review(diff)
        let worst = comments.map(\.severity).max()
        let verdict = worst == .error ? "request_changes" : worst == .warning ? "comment" : "approve"
        var counts: [String: Int] = [:]
        for comment in comments { counts[comment.severity.rawValue, default: 0] += 1 }
        let summary = comments.isEmpty
            ? "\(diff.files.count) file(s) changed; nothing to flag"
            : "\(diff.files.count) file(s) changed; " + ["error", "warning", "info"].compactMap { level in
                counts[level].map { "\($0) \(level)\($0 == 1 ? "" : "s")" } }.joined(separator: ", ")
        return try .encoding(Review(verdict: verdict, summary: summary, files: diff.files.map(\.path), counts: counts, comments: comments))
    }
}

@_cdecl("agenthost_swift_plugin")
public func agenthostSwiftPlugin() -> UnsafeRawPointer { AgentPluginExport.functions(for: ReviewAgent.self) }
