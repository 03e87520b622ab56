import AgentHostCore
import ArgumentParser
import Foundation

struct ChatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Talk with the loaded agents in the terminal: one message per line, /quit to end.",
        discussion: """
            At a terminal, a prompt: Left and Right edit the line, Up and Down recall earlier lines (the history \
            is kept in chat_history beside the task database). With stdin piped, plain lines are read, with no \
            prompt. Answers are shown as text (an answer with its sources, search results as file:line, a plan's \
            steps, any other JSON as indented lists); --json prints each as one JSON line instead.

            Only agents that take a task in words (a capability with a text input: `agenthost plugins info AGENT`) \
            take part; a message goes into that input.
              single-agent   the first agent answers every message, with its capability the message's keywords \
            match, else its first that takes words
              round-robin    the agents answer in turn, each likewise
              dynamic        the one agent whose capability fits the message's keywords best (the router's \
            ranking); when no keyword matches, nobody answers and the chat says which words route
              collaborative  every agent whose capabilities the message's keywords match answers, disagreements \
            settled by vote; when none matches, nobody

            Commands: /help, /agents (who takes part, with their words), /state (each agent's state and turns), \
            /quit. An unknown /command is answered with the list, never sent to an agent; start a message \
            with // to send one that begins with /.

            Every message and answer is stored; `--resume ID` shows the conversation so far and carries it on. \
            /quit and Ctrl-D save it and exit 0; Ctrl-C saves it too and exits 130, as any command stopped by \
            SIGINT does (a turn in flight is cancelled).
            Example: agenthost chat --strategy dynamic
            """)

    @OptionGroup var host: HostOptions
    @Option(help: ArgumentHelp("Who answers: \(TurnStrategy.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "strategy"))
    var strategy = "dynamic"
    @Option(name: .customLong("agent"), help: ArgumentHelp(
        "A participant, as AGENT or AGENT=ROLE (repeatable; default: every loaded agent that takes words, its role the last part of its id).",
        valueName: "agent"))
    var agents: [String] = []
    @Option(parsing: .unconditional, help: "Most answers per agent.") var maxTurns: Int?
    @Option(help: "Roles that may take part, comma-separated (default: any).") var roles: String?
    @Option(parsing: .unconditional, help: "Seconds the conversation stays open (at most 30 days).") var timeout: Double?
    @Option(help: "Continue conversation ID instead of starting one; its messages and answers are shown first.") var resume: Int64?
    @Flag(help: "Print each answer as one line of JSON (agent, role, capability, task, status, reply or error) instead of text.")
    var json = false

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
            let participants = agents.isEmpty ? manager.defaultParticipants() : agents.map { entry in
                let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
                return Participant(agent: parts[0], role: parts.count > 1 ? parts[1] : String(parts[0].split(separator: ".").last ?? "agent"))
            }
            if agents.isEmpty, participants.isEmpty {
                throw CLIError("no loaded agent takes a task in words, so nobody could answer; `agenthost plugins list` shows what is loaded")
            }
            for participant in participants where runtime.host.registry.plugin(id: participant.agent) != nil && !manager.takesWords(participant) {
                throw CLIError("the agent '\(participant.agent)' takes no task in words (none of its capabilities has a text input), so it "
                               + "could never answer in a chat; `agenthost plugins info \(participant.agent)` shows its inputs, and "
                               + "`agenthost run CAPABILITY --input JSON` runs it")
            }
            let policy = ConversationPolicy(maxTurnsPerAgent: maxTurns,
                                            allowedRoles: roles.map { Set($0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }) },
                                            timeoutMilliseconds: timeout.map { Int(($0 * 1000).rounded()) })
            let chosen = TurnStrategy(rawValue: strategy)!
            id = try conversing { () throws(ConversationError) in try manager.start(strategy: chosen, participants: participants, policy: policy) }
        }
        let history = URL(fileURLWithPath: host.storePath).deletingLastPathComponent().appendingPathComponent("chat_history").path
        let session = ChatSession(manager: manager, id: id, json: json, options: host.repeated, historyPath: history)
        try session.run(resumed: resume != nil)
    }

    private func conversing<T>(_ body: () throws(ConversationError) -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw CLIError(error.description)
        }
    }
}
