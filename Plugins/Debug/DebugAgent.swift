import AgentPluginKit
import Foundation

/// The Debug agent: `debug.diagnose` reads compiler and runtime failures into
/// locations, kinds and likely causes, and proposes handing the first one to
/// the Code agent with its file and line (carried out when asked).
struct DebugAgent: AgentPlugin {
    static let descriptor = AgentDescriptor(id: "agenthost.debug", name: "Debug", version: "0.1.0",
                                            capabilities: ["debug.diagnose"], threadSafe: true)
    static let codeAgent = "agenthost.code"

    struct Input: Decodable {
        var output: String
        /// Ask the host to hand the task to the Code agent at the first located problem.
        var handoff: Bool?
    }

    struct Handoff: Encodable {
        var target: String
        var reason: String
        var context: [String: String]
        /// Whether the agent asked the host to carry it out.
        var requested: Bool
    }

    struct Diagnosis: Encodable {
        var summary: String
        var diagnostics: [Diagnostic]
        var handoff: Handoff?
    }

    init(host: PluginHost) {}

    /// The standard library's own sources, named in traps: not where the fix goes.
    static func isToolchainFile(_ path: String) -> Bool {
        path.hasPrefix("Swift/") || path.contains("/swift/stdlib/") || path.contains("compiler-rt") || path.hasPrefix("csu/")
    }

    func handle(_ request: AgentRequest) throws -> AgentReply {
        guard request.capability == "debug.diagnose" else {
            throw AgentError.unsupported("the debug agent has no capability '\(request.capability)'")
        }
        let input = try request.decode(Input.self)
        guard !input.output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw AgentError.invalidArgument("debug.diagnose needs the failing \"output\" (a compiler's or a program's stderr)")
        }
        let diagnostics = FailureOutput.diagnose(input.output)
        guard !diagnostics.isEmpty else {
            throw AgentError.invalidArgument("debug.diagnose found no failure it knows in the output (swiftc, clang, gcc, rustc, "
                + "Python tracebacks, Swift crashes, sanitizer reports); pass the output that shows the failure")
        }
        // The first error-level problem in the program's own code is the one to fix first.
        let located = diagnostics.filter { $0.file.map { !Self.isToolchainFile($0) } ?? false }
        let first = located.first { $0.kind != "warning" } ?? located.first
        var handoff: Handoff?
        if let first, let file = first.file, let line = first.line {
            let reason = "open \(file) at line \(line) to fix: \(first.message)"
            let context = ["op": "read", "path": file, "around_line": String(line)]
            handoff = Handoff(target: Self.codeAgent, reason: reason, context: context, requested: false)
            if input.handoff == true {
                try request.requestHandoff(to: Self.codeAgent, reason: reason, context: Array(try JSONEncoder().encode(context)))
                handoff?.requested = true
            }
        }
        let errors = diagnostics.filter { $0.kind != "warning" }.count
        let lead = first ?? diagnostics[0]
        let place = lead.file.map { " at \($0):\(lead.line ?? 0)" } ?? ""
        let summary = "\(diagnostics.count) problem(s), \(errors) error-level; first: \(lead.message)\(place) — \(lead.likelyCause)"
        return try .encoding(Diagnosis(summary: summary, diagnostics: diagnostics, handoff: handoff))
    }
}

@_cdecl("agenthost_swift_plugin")
public func agenthostSwiftPlugin() -> UnsafeRawPointer { AgentPluginExport.functions(for: DebugAgent.self) }
