import AgentHostCore
import ArgumentParser
import Foundation

struct ChatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Talk with the loaded agents in the terminal: one message per line, /quit to end.",
        discussion: """
            Every message and answer is stored; `--resume ID` picks a conversation up again.
            Example: agenthost chat --strategy dynamic
            """)

    @OptionGroup var host: HostOptions
    @Option(help: ArgumentHelp("Who answers: \(TurnStrategy.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "strategy"))
    var strategy = "dynamic"
    @Option(name: .customLong("agent"), help: ArgumentHelp(
        "A participant, as AGENT or AGENT=ROLE (repeatable; default: every loaded agent, its role the last part of its id).", valueName: "agent"))
    var agents: [String] = []
    @Option(parsing: .unconditional, help: "Most answers per agent.") var maxTurns: Int?
    @Option(help: "Roles that may take part, comma-separated (default: any).") var roles: String?
    @Option(parsing: .unconditional, help: "Seconds the conversation stays open (at most 30 days).") var timeout: Double?
    @Option(help: "Continue conversation ID instead of starting one.") var resume: Int64?

    func validate() throws {
        if TurnStrategy(rawValue: strategy) == nil {
            throw ValidationError("--strategy '\(strategy)' is not one of \(TurnStrategy.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        try Limits.checkCount(maxTurns, "--max-turns", maximum: 1_000_000)
        try Limits.checkTimeout(timeout, "--timeout")
    }

    func run() throws {
        defer { AgentHost.shutdown() }  // every plugin sees its deinit
        let runtime = try host.makeRuntime()
        let manager = ConversationManager(runtime: runtime)
        let id: Int64
        if let resume {
            try conversing { () throws(ConversationError) in try manager.resume(resume) }
            id = resume
        } else {
            let participants = agents.isEmpty
                ? runtime.host.registry.plugins.map { Participant(agent: $0.id, role: String($0.id.split(separator: ".").last ?? "agent")) }
                : agents.map { entry in
                    let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
                    return Participant(agent: parts[0], role: parts.count > 1 ? parts[1] : String(parts[0].split(separator: ".").last ?? "agent"))
                }
            let policy = ConversationPolicy(maxTurnsPerAgent: maxTurns,
                                            allowedRoles: roles.map { Set($0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }) },
                                            timeoutMilliseconds: timeout.map { Int(($0 * 1000).rounded()) })
            let chosen = TurnStrategy(rawValue: strategy)!
            id = try conversing { () throws(ConversationError) in try manager.start(strategy: chosen, participants: participants, policy: policy) }
        }
        // Ctrl-C closes the conversation as /quit would; a turn in flight is cancelled.
        HostSession.onStop { signal in
            try? manager.close(id)
            RunPrinter.emit("conversation \(id) closed; `agenthost chat --resume \(id)` continues it")
            HostSession.stopNow(signal, because: "the conversation was closed")
        }
        RunPrinter.emit("conversation \(id) (\(strategy)); one message per line, /quit to end")
        var lines = InputLines()
        while let bytes = lines.next() {
            let line: String
            do {
                line = try TextInput.decode(bytes, kind: "a message")
            } catch {
                RunPrinter.emit("line \(lines.number) of the input was not sent: it \(error.problem)")
                continue
            }
            let message = line.trimmingCharacters(in: .whitespaces)
            if message.isEmpty { continue }
            if message == "/quit" { break }
            let reply = try conversing { () throws(ConversationError) in try manager.send(id, message: message) }
            for turn in reply.turns {
                let text = turn.replyText ?? "(\(turn.status.rawValue): \(turn.error ?? "no answer"))"
                RunPrinter.emit("\(turn.agent) (\(turn.role)): \(text.count > 1200 ? String(text.prefix(1200)) + "…" : text)")
            }
            if let conflict = reply.conflict {
                RunPrinter.emit("conflict: \(conflict.resolution.rawValue)" + (conflict.winner.map { ", '\($0)' wins" } ?? ", a person must decide"))
            }
        }
        try conversing { () throws(ConversationError) in try manager.close(id) }
        RunPrinter.emit("conversation \(id) saved; `agenthost chat --resume \(id)` continues it")
    }

    private func conversing<T>(_ body: () throws(ConversationError) -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw CLIError(error.description)
        }
    }
}
