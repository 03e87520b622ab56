import AgentHostCore
import ArgumentParser
import Foundation

/// `agenthost approvals`: what agents wait for a person to allow, and the decision.
/// Works from any process and after the waiting host stopped: the store holds it.
struct ApprovalsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approvals",
        abstract: "List, approve or deny what agents wait to do (tools, capabilities, models the policy's approvals name).",
        subcommands: [List.self, Approve.self, Deny.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The approvals waiting (--all: every one, decided too).")
        @OptionGroup var host: HostOptions
        @Flag(help: "Show decided approvals too.") var all = false

        func run() throws {
            guard let store = try host.openStoreForReading() else {
                print("no approvals: no task database at \(host.storePath) yet")
                return
            }
            let approvals = try catching { try store.approvals(pendingOnly: !all) }
            if approvals.isEmpty {
                print(all ? "no approvals recorded" : "nothing waits for approval")
                return
            }
            for approval in approvals {
                let place = approval.runId.map { "run \($0) step \(approval.step ?? "?")" } ?? approval.taskId.map { "task \($0)" } ?? "no task"
                print("\(approval.id)  \(approval.status.rawValue)  \(approval.agent) wants \(approval.kind.rawValue) '\(approval.subject)'  (\(place))")
                print("    with \(approval.argumentsText.prefix(300))")
                if let reason = approval.reason { print("    reason: \(reason)") }
            }
            if approvals.contains(where: { $0.status == .pending }) {
                print("decide with `agenthost approvals approve ID` or `agenthost approvals deny ID --reason \"...\"`")
            }
        }
    }

    struct Approve: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Let what approval ID waits for go ahead.")
        @OptionGroup var host: HostOptions
        @Argument(help: "The approval's id (`agenthost approvals list`).") var id: Int64
        @Option(help: "Why, kept with the decision.") var reason: String?

        func run() throws { try decide(host: host, id: id, approve: true, reason: reason) }
    }

    struct Deny: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Refuse what approval ID waits for; the agent is told why.")
        @OptionGroup var host: HostOptions
        @Argument(help: "The approval's id (`agenthost approvals list`).") var id: Int64
        @Option(help: "Why it is refused; the agent (and its model) reads it.") var reason: String?

        func run() throws { try decide(host: host, id: id, approve: false, reason: reason) }
    }

    static func decide(host: HostOptions, id: Int64, approve: Bool, reason: String?) throws {
        guard id > 0 else { throw CLIError("approval ids start at 1; `agenthost approvals list` shows them") }
        guard FileManager.default.fileExists(atPath: host.storePath) else {
            throw CLIError("no task database at \(host.storePath): nothing waits for approval there")
        }
        let store = try host.openStore()
        defer { _ = try? store.close() }
        let person = ProcessInfo.processInfo.environment["USER"] ?? "a person"
        switch try catching({ try store.decide(approval: id, approve: approve, reason: reason, by: person) }) {
        case .notFound: throw CLIError("no approval \(id) in \(host.storePath); `agenthost approvals list --all` shows them")
        case .alreadyDecided(let found):
            throw CLIError("approval \(id) was already \(found.status.rawValue)\(found.decidedBy.map { " by \($0)" } ?? ""); nothing changed")
        case .decided(let decided):
            print("approval \(id) \(decided.status.rawValue): \(decided.agent) \(approve ? "may" : "may not") call \(decided.kind.rawValue) '\(decided.subject)'"
                  + "; a waiting host goes on now, or `agenthost resume` goes on from there")
        }
    }
}
