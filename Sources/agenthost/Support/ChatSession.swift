import AgentHostCore
import Foundation

/// One `agenthost chat` conversation at the terminal (or on piped stdin):
/// reads messages and slash commands, and shows the answers as text.
struct ChatSession {
    let manager: ConversationManager
    let id: Int64
    /// Answers as one JSON object per line instead of text.
    let json: Bool
    /// `--plugin-dir` and `--state` as given, for the hints.
    let options: String?
    /// Where the typed lines are kept across sessions.
    let historyPath: String

    static let prompt = "you> "
    static let quits: Set<String> = ["/quit", "/exit", "/q"]
    /// The most messages and answers a resume shows before the prompt.
    static let historyShown = 40
    static let commands: [(name: String, what: String)] = [
        ("/help", "this list"),
        ("/agents", "who takes part: each agent, its role, and its capabilities that take words"),
        ("/state", "this conversation: its id, strategy, messages, and each agent's state and turns"),
        ("/quit", "save the conversation and end (Ctrl-D does the same)"),
    ]

    private var renderer: ChatRenderer {
        ChatRenderer(width: ChatRenderer.width(terminalColumns: LineEditor.isInteractive ? LineEditor.columns : 0))
    }

    // MARK: - The loop

    /// Reads lines until /quit or the end of input, then closes the conversation.
    func run(resumed: Bool) throws {
        let editor = LineEditor.isInteractive ? LineEditor(prompt: Self.prompt, historyPath: historyPath) : nil
        defer { editor?.close() }
        // Ctrl-C (SIGINT) and SIGTERM save the conversation and end the chat; a turn in flight is cancelled.
        let terminal = editor?.terminal
        let (manager, id) = (manager, id)
        HostSession.onStop { signal in
            if let terminal {
                terminal.restore()
                FileHandle.standardOutput.write(Data("\n".utf8))
            }
            try? manager.close(id)
            RunPrinter.emit("conversation \(id) closed; `agenthost chat --resume \(id)` continues it")
            HostSession.stopNow(signal, because: nil)
        }

        if resumed { try showHistory() }
        let summary = try conversing { () throws(ConversationError) in try manager.summary(id) }
        let names = summary.participants.map(\.participant.agent)
        let header = "conversation \(id) (\(summary.strategy.rawValue)) with \(names.count) agent\(names.count == 1 ? "" : "s"): "
            + "\(names.joined(separator: ", ")); one message per line, /help lists the commands, /quit ends"
        for line in renderer.wrap(header, indent: "", continuation: "  ") { RunPrinter.emit(line) }

        var piped = InputLines()
        while true {
            let bytes = editor.map { $0.next() } ?? piped.next()
            guard let bytes else { break }
            let line: String
            do {
                line = try TextInput.decode(bytes, kind: "a message")
            } catch {
                RunPrinter.emit(editor == nil ? "line \(piped.number) of the input was not sent: it \(error.problem)"
                                              : "the message was not sent: it \(error.problem)")
                continue
            }
            let message = line.trimmingCharacters(in: .whitespaces)
            if message.isEmpty { continue }
            if !Self.quits.contains(message.lowercased()) { editor?.remember(line) }  // Up after a resume recalls the last message, not /quit
            if message.hasPrefix("/"), !message.hasPrefix("//") {
                if try command(message) { break }
                continue
            }
            try send(message.hasPrefix("//") ? String(message.dropFirst()) : message)
        }
        // A signal may end the input first (an interrupted read): its hook saves the conversation and exits.
        if HostSession.signalExitCode != nil { while true { pause() } }
        if editor != nil { RunPrinter.emit("") }
        try conversing { () throws(ConversationError) in try manager.close(id) }
        RunPrinter.emit("conversation \(id) saved; `agenthost chat --resume \(id)` continues it")
    }

    /// Posts `message` and shows what the agents answered, or why nobody did.
    private func send(_ message: String) throws {
        let reply: ConversationReply
        do {
            reply = try manager.send(id, message: message)
        } catch {
            guard case .noKeywordMatch(let text, let examples) = error else { throw CLIError(error.description) }
            let words = examples.isEmpty ? "they declare none; try /agents" : "try /agents, or words like \(examples.joined(separator: "; "))"
            for line in renderer.wrap("no agent takes this: \"\(ConversationError.preview(text))\" holds none of the keywords "
                                      + "of the agents here; \(words)", indent: "", continuation: "  ") {
                RunPrinter.emit(line)
            }
            return
        }
        for turn in reply.turns {
            show(agent: turn.agent, role: turn.role, capability: turn.capability, taskID: turn.taskID,
                 completed: turn.status == .completed, content: turn.reply ?? Array((turn.error ?? "no answer").utf8), status: turn.status)
        }
        if let conflict = reply.conflict {
            RunPrinter.emit("conflict: the answers differ; \(conflict.resolution.rawValue)"
                            + (conflict.winner.map { ", '\($0)' wins" } ?? ", a person must decide"))
        }
    }

    /// One answer: who gave it with what, then the reply rendered (or, with --json, one JSON line).
    private func show(agent: String, role: String, capability: String?, taskID: Int64?, completed: Bool, content: [UInt8], status: TaskStatus?) {
        if json {
            var fields: [(String, String)] = [("agent", Self.quoted(agent)), ("role", Self.quoted(role))]
            if let capability { fields.append(("capability", Self.quoted(capability))) }
            if let taskID { fields.append(("task", String(taskID))) }
            fields.append(("status", Self.quoted(status?.rawValue ?? "failed")))
            if completed {
                fields.append(("reply", JSONValue.isJSON(content) ? String(decoding: content, as: UTF8.self)
                                                                          : Self.quoted(String(decoding: content, as: UTF8.self))))
            } else {
                fields.append(("error", Self.quoted(String(decoding: content, as: UTF8.self))))
            }
            RunPrinter.emit("{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}")
            return
        }
        let who = "\(agent) (\(role))" + (capability.map { ", \($0)" } ?? "")
        guard completed else {
            let what = status.map { $0 == .cancelled ? "was cancelled" : "failed" } ?? "failed"
            for line in renderer.wrap("\(who) \(what): \(String(decoding: content, as: UTF8.self))", indent: "", continuation: "  ") {
                RunPrinter.emit(line)
            }
            return
        }
        RunPrinter.emit("\(who):")
        let renderer = self.renderer
        for line in renderer.capped(renderer.render(content), task: taskID, options: options) { RunPrinter.emit(line) }
    }

    /// The conversation so far, as it was said: each message and its answers.
    private func showHistory() throws {
        let messages = try conversing { () throws(ConversationError) in try manager.history(id) }
        RunPrinter.emit("conversation \(id) so far: \(messages.count) message\(messages.count == 1 ? "" : "s") and answers")
        // A long conversation shows its end; --json shows all of it.
        let skipped = json ? 0 : max(0, messages.count - Self.historyShown)
        if skipped > 0 {
            RunPrinter.emit("(the first \(skipped) are left out; `agenthost chat --resume \(id) --json\(options.map { " " + $0 } ?? "") "
                            + "< /dev/null` prints them all)")
        }
        for message in messages.dropFirst(skipped) {
            guard let agent = message.agent else {
                let text = String(decoding: message.content, as: UTF8.self)
                RunPrinter.emit(json ? "{\"role\":\(Self.quoted(message.role)),\"message\":\(Self.quoted(text))}" : Self.prompt + text)
                continue
            }
            show(agent: agent, role: message.role, capability: message.capability, taskID: message.taskID,
                 completed: message.status == .completed, content: message.content, status: message.status)
        }
        if !messages.isEmpty, !json { RunPrinter.emit("") }
    }

    // MARK: - Slash commands

    /// Carries out a slash command; true when the chat ends.
    private func command(_ line: String) throws -> Bool {
        let name = String(line.prefix { !$0.isWhitespace }).lowercased()
        switch name {
        case _ where Self.quits.contains(name):
            return true
        case "/help", "/?":
            help()
        case "/agents":
            try agents()
        case "/state":
            try state()
        default:
            RunPrinter.emit("unknown command \(name); it was not sent to any agent. The commands:")
            listCommands()
        }
        return false
    }

    /// Each command and what it does, the descriptions in a column.
    private func listCommands() {
        for command in Self.commands {
            let name = "  " + command.name.padding(toLength: 9, withPad: " ", startingAt: 0)
            for line in renderer.wrap(command.what, indent: name, continuation: String(repeating: " ", count: name.count)) { RunPrinter.emit(line) }
        }
    }

    private func help() {
        let strategy = (try? manager.summary(id).strategy) ?? .dynamic
        RunPrinter.emit("Type a message and press Enter: the agents that take it answer. Commands:")
        listCommands()
        let notes = [
            "Who answers (\(strategy.rawValue)): \(Self.explain(strategy))",
            "A line that starts with / is a command; start it with // to send it as a message.",
            "Left and Right move in the line, Up and Down recall earlier lines (kept in \(historyPath)); "
                + "Ctrl-C saves the conversation and ends the chat too.",
        ]
        for line in notes { for wrapped in renderer.wrap(line, indent: "", continuation: "  ") { RunPrinter.emit(wrapped) } }
    }

    private func agents() throws {
        let summary = try conversing { () throws(ConversationError) in try manager.summary(id) }
        RunPrinter.emit("\(summary.participants.count) agent\(summary.participants.count == 1 ? "" : "s") take\(summary.participants.count == 1 ? "s" : "") part (\(summary.strategy.rawValue)):")
        for member in summary.participants {
            let participant = member.participant
            RunPrinter.emit("  \(participant.agent), role \(participant.role)")
            let capabilities = manager.wordCapabilities(of: participant)
            if capabilities.isEmpty { RunPrinter.emit("    takes no task in words: it never answers here") }
            for capability in capabilities {
                let field = capability.textInput.map { " (the message goes into \"\($0)\")" } ?? ""
                let words = capability.keywords.isEmpty ? "no keywords" : "words: " + capability.keywords.joined(separator: ", ")
                for line in renderer.wrap("\(capability.name)\(field): \(words)", indent: "    ", continuation: "      ") { RunPrinter.emit(line) }
            }
        }
    }

    private func state() throws {
        let summary = try conversing { () throws(ConversationError) in try manager.summary(id) }
        RunPrinter.emit("conversation \(summary.id): \(summary.strategy.rawValue), \(summary.status), "
                        + "\(summary.messages) message\(summary.messages == 1 ? "" : "s") stored (messages and answers)")
        let width = summary.participants.map { $0.participant.agent.count + $0.participant.role.count + 3 }.max() ?? 0
        for member in summary.participants {
            let who = "\(member.participant.agent) (\(member.participant.role))"
            RunPrinter.emit("  \(who.padding(toLength: width, withPad: " ", startingAt: 0))  state \(member.state), "
                            + "\(member.turns) turn\(member.turns == 1 ? "" : "s")")
        }
    }

    /// Who answers a message under `strategy`, in words (the same as `chat --help`).
    static func explain(_ strategy: TurnStrategy) -> String {
        switch strategy {
        case .singleAgent: "the first agent answers every message, with its capability the message's keywords match, else its first that takes words."
        case .roundRobin: "the agents answer in turn, each with its capability the message's keywords match, else its first that takes words."
        case .dynamic: "the one agent whose capability fits the message's keywords best; when no keyword matches, nobody, and you are told which words route."
        case .collaborative: "every agent with a capability the message's keywords match, their answers compared; when none matches, nobody."
        }
    }

    private static func quoted(_ text: String) -> String { JSONValue.string(text).canonicalText }

    private func conversing<T>(_ body: () throws(ConversationError) -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw CLIError(error.description)
        }
    }
}
