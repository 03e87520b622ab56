import AgentHostCore
import AgentHostTestSupport
import Foundation
import Testing

/// `agenthost chat` as a person uses it: the real built binary on a
/// pseudo-terminal, driven by keystrokes, with the bundled agents.
@Suite final class ChatTerminalTests {
    let cli: CLIHome
    let corpus: TemporaryFolder

    init() throws {
        cli = try CLIHome("chat")
        corpus = try TemporaryFolder("chat-corpus")
        try corpus.file("notes.md", "# Ranking\n\nBM25 ranks passages by how often a term occurs and how rare it is.\n")
        try corpus.file("loader.md", "# Loading\n\nPlugins are loaded with dlopen and checked against their manifest.\n")
    }

    deinit { corpus.remove() }

    func chat(_ arguments: String...) throws -> Terminal {
        try Terminal(arguments: ["chat"] + arguments + ["--state", cli.database, "--workspace", corpus.url.path], home: cli.home.url)
    }

    /// `text` with every run of white space as one space, to look for words the terminal's width may have wrapped.
    static func flat(_ text: String) -> String { text.split(whereSeparator: \.isWhitespace).joined(separator: " ") }

    /// Up, Left, Ctrl-C: the keys the test presses.
    static let up = "\u{1B}[A", left = "\u{1B}[D", ctrlC = "\u{03}"

    @Test func aChatAtATerminalHasAPromptLineEditingHistoryCommandsAndAResume() throws {
        let first = try chat()
        defer { first.end() }
        let greeting = try first.until("you> ")
        #expect(greeting.contains("conversation 1 (dynamic) with"), "\(greeting)")
        #expect(Self.flat(greeting).contains("/help lists the commands"))

        // "research bm5", Left, "2": line editing makes it "research bm25" before it is sent.
        first.type("research bm5" + Self.left + "2\r")
        let answer = try first.until("you> ")
        #expect(answer.contains("agenthost.knowledge (knowledge), knowledge.search:"), "\(answer)")
        #expect(answer.contains("1 result for \"research bm25\":") || answer.contains("results for \"research bm25\":"), "\(answer)")
        #expect(answer.contains("notes.md:"), "results show file:line: \(answer)")
        #expect(answer.contains("BM25 ranks passages"), "and their text: \(answer)")
        #expect(!answer.contains("\"results\""), "the reply is rendered, not raw JSON: \(answer)")

        // Up recalls the line just sent.
        first.type(Self.up + "\r")
        #expect(try first.until("you> ").contains("for \"research bm25\""))

        first.type("/help\r")
        let help = try first.until("you> ")
        for command in ["/help", "/agents", "/state", "/quit"] { #expect(help.contains(command), "\(help)") }
        #expect(Self.flat(help).contains("Who answers (dynamic): the one agent whose capability fits the message's keywords best"))

        first.type("/agents\r")
        let agents = try first.until("you> ")
        #expect(agents.contains("agenthost.knowledge, role knowledge"), "\(agents)")
        #expect(Self.flat(agents).contains("knowledge.search (the message goes into \"query\"): words: search, find, research"), "\(agents)")
        #expect(agents.contains("agenthost.planner, role planner"))
        #expect(!agents.contains("agenthost.review"), "an agent that takes no words does not take part")

        first.type("/state\r")
        let state = try first.until("you> ")
        #expect(state.contains("conversation 1: dynamic, open, 4 messages stored"), "\(state)")
        #expect(state.contains("agenthost.knowledge (knowledge)") && state.contains("state DONE, 2 turns"), "\(state)")
        #expect(state.contains("state IDLE, 0 turns"), "agents that have not answered yet: \(state)")

        first.type("/frobnicate\r")
        let unknown = try first.until("you> ")
        #expect(unknown.contains("unknown command /frobnicate; it was not sent to any agent"), "\(unknown)")
        #expect(unknown.contains("/agents"))

        first.type("hello, who are you?\r")
        let nobody = try first.until("you> ")
        #expect(Self.flat(nobody).contains("no agent takes this: \"hello, who are you?\" holds none of the keywords of the agents here"), "\(nobody)")
        #expect(Self.flat(nobody).contains("try /agents, or words like"), "\(nobody)")
        #expect(Self.flat(nobody).contains("search, find, research (knowledge.search)"), "\(nobody)")
        #expect(!nobody.contains("browser.fetch:"), "never sent to an agent whose keywords do not match")

        first.type("/quit\r")
        #expect(try first.until("continues it").contains("conversation 1 saved; `agenthost chat --resume 1` continues it"))
        #expect(first.exitStatus() == 0)

        let store = try cli.store()
        let messages = try store.messages(ofConversation: 1)
        #expect(messages.filter { $0.role == "user" }.map(\.content) == ["research bm25", "research bm25"],
                "the edited line went out, twice, and neither a command nor the unmatched message did")
        #expect(!messages.contains { $0.content.contains("\u{1B}") || $0.content.contains("^[") }, "no escape sequence in a message")
        #expect(try store.tasks().count == 2, "the unmatched message made no task")
        #expect(try store.conversationStatus(1) == "closed")
        // The history is kept beside the task database, and nothing was written to a default ~/.agenthost.
        let history = try String(contentsOf: cli.home.url.appendingPathComponent("chat_history"), encoding: .utf8)
        #expect(history.contains("research\\040bm25") && history.contains("/state"), "\(history)")
        #expect(!history.contains("/quit"), "/quit is not kept: Up after a resume recalls the last message")
        #expect(!FileManager.default.fileExists(atPath: cli.home.url.appendingPathComponent(".agenthost").path))

        // A second session: --resume shows the conversation so far; Up recalls the last session's lines.
        let second = try chat("--resume", "1")
        defer { second.end() }
        // (The history's messages start with "you> " too: the prompt comes after the line that ends with "/quit ends".)
        let resumed = try second.until("/quit ends")
        _ = try second.until("you> ")
        #expect(resumed.contains("conversation 1 so far: 4 messages and answers"), "\(resumed)")
        #expect(resumed.contains("you> research bm25"), "\(resumed)")
        #expect(resumed.contains("agenthost.knowledge (knowledge), knowledge.search:"), "\(resumed)")
        #expect(resumed.contains("BM25 ranks passages"), "the answers, rendered: \(resumed)")
        second.type(Self.up)
        second.type("\r")
        #expect(Self.flat(try second.until("you> ")).contains("no agent takes this: \"hello, who are you?\""), "the history file came back")
        second.type(Self.up + Self.up + "\r")
        #expect(try second.until("you> ").contains("/frobnicate"), "and the lines before it")

        // Ctrl-C at the prompt saves the conversation and ends the chat.
        second.type(Self.ctrlC)
        let stopped = try second.until("continues it")
        #expect(stopped.contains("conversation 1 closed; `agenthost chat --resume 1` continues it"), "\(stopped)")
        #expect(second.exitStatus() == 130, "as every command stopped by SIGINT: \(second.output)")
        #expect(!second.output.contains("Error"), "\(second.output)")
        #expect(second.terminalIsCanonical(), "the terminal was put back: line mode and echo")
        #expect(try store.conversationStatus(1) == "closed")
        #expect(try store.messages(ofConversation: 1).count == 4, "what was said before is all there, nothing more")
    }

    @Test func collaborativeAsksOnlyTheAgentsThatTakeTheMessage() throws {
        let session = try chat("--strategy", "collaborative")
        defer { session.end() }
        _ = try session.until("you> ")
        session.type("research bm25\r")
        let answer = try session.until("you> ")
        #expect(answer.contains("agenthost.knowledge (knowledge), knowledge.search:"), "\(answer)")
        #expect(!answer.contains("failed"), "no agent that cannot take words was asked: \(answer)")
        let headers = answer.split(whereSeparator: \.isNewline).filter { $0.hasPrefix("agenthost.") }
        #expect(headers.count == 1, "one answer: \(answer)")
        #expect(try session.endOfInput().contains("conversation 1 saved"))
        #expect(session.exitStatus() == 0)
        let tasks = try cli.store().tasks()
        #expect(tasks.count == 1 && tasks.allSatisfy { $0.status == .completed }, "\(tasks.map { ($0.agent, $0.status) })")
    }
}

/// `agenthost chat` with stdin piped: plain lines, no prompt, the same answers.
@Suite final class ChatPipedTests {
    let home: TemporaryFolder
    let corpus: TemporaryFolder

    init() throws {
        home = try TemporaryFolder("home")
        corpus = try TemporaryFolder("chat-corpus")
        try corpus.file("loader.md", "# Loading\n\nThe loader reads the notes in plugin.json, then loads the binary with dlopen.\n")
    }

    deinit {
        home.remove()
        corpus.remove()
    }

    var database: String { home.url.appendingPathComponent("state.sqlite").path }

    func chat(_ arguments: [String], input: String) throws -> Command.Result {
        try Command.agenthost(["chat"] + arguments + ["--state", database, "--workspace", corpus.url.path], home: home.url,
                              extraEnvironment: ["COLUMNS": "80"], input: input)
    }

    @Test func pipedLinesAreReadWithoutAPromptAndAnswersAreRendered() throws {
        let chat = try chat(["--strategy", "round-robin", "--agent", "agenthost.knowledge=knowledge", "--agent", "agenthost.planner=planner"],
                            input: "find the notes about the loader\nplan: research the loader, then test it\n/state\n/nope\n/quit\n")
        #expect(chat.status == 0, "\(chat.stderr)")
        #expect(chat.stdout.contains("conversation 1 (round-robin) with 2 agents"))
        #expect(!chat.stdout.contains("you> "), "no prompt when stdin is not a terminal")
        #expect(chat.stdout.contains("agenthost.knowledge (knowledge), knowledge.search:\n  1 result for \"find the notes about the loader\":\n"
                                     + "  1. loader.md:3  Loading  (score "), "\(chat.stdout)")
        #expect(chat.stdout.contains("agenthost.planner (planner), planner.plan:\n  plan for \"plan: research the loader, then test it\""),
                "\(chat.stdout)")
        #expect(chat.stdout.contains("conversation 1: round-robin, open, 4 messages stored"), "\(chat.stdout)")
        #expect(chat.stdout.contains("unknown command /nope"))
        #expect(chat.stdout.split(separator: "\n").allSatisfy { $0.count <= 80 }, "wrapped at $COLUMNS:\n\(chat.stdout)")

        let resumed = try self.chat(["--resume", "1"], input: "research BM25\n")
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("conversation 1 so far: 4 messages and answers"), "\(resumed.stdout)")
        #expect(resumed.stdout.contains("you> find the notes about the loader"), "the history shows the messages: \(resumed.stdout)")
        let after = resumed.stdout.components(separatedBy: "conversation 1 (round-robin)").last ?? ""
        #expect(after.contains("agenthost.knowledge (knowledge), knowledge.search:"), "round robin continues with the first agent: \(after)")

        let json = try self.chat(["--resume", "1", "--json"], input: "research BM25\n")
        let lines = json.stdout.split(separator: "\n").filter { $0.hasPrefix("{") }
        #expect(lines.count == 7, "3 messages and 3 answers from before, and the new answer: \(json.stdout)")
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])
        #expect(first["agent"] as? String == "agenthost.knowledge" && first["capability"] as? String == "knowledge.search")
        #expect((first["reply"] as? [String: Any])?["results"] is [Any], "the raw reply: \(first)")
        let last = try #require(try JSONSerialization.jsonObject(with: Data(lines.last!.utf8)) as? [String: Any])
        #expect(last["agent"] as? String == "agenthost.planner" && last["status"] as? String == "completed", "in turn: \(last)")
        #expect((last["reply"] as? [String: Any])?["steps"] is [Any], "the raw reply: \(last)")

        let refused = try self.chat(["--agent", "agenthost.nobody"], input: "")
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("the agent 'agenthost.nobody' is not loaded"))
        let wordless = try self.chat(["--agent", "agenthost.review"], input: "")
        #expect(wordless.status != 0)
        #expect(wordless.stderr.contains("the agent 'agenthost.review' takes no task in words"), "\(wordless.stderr)")
        let roles = try self.chat(["--roles", "user"], input: "")
        #expect(roles.stderr.contains("may not take part; the policy allows user"), "\(roles.stderr)")
    }

    @Test func anExtremelyLongAnswerIsCutWithAWayToSeeAllOfIt() throws {
        let plugins = try TemporaryFolder("chat-plugins")
        defer { plugins.remove() }
        try FixturePlugin(id: "test.echo").install(in: plugins.url)
        let long = Array(repeating: "word", count: 20_000).joined(separator: " ")
        let arguments = ["--strategy", "single-agent", "--agent", "test.echo=echo", "--plugin-dir", plugins.url.path]
        let chat = try chat(arguments, input: long + "\n")
        #expect(chat.status == 0, "\(chat.stderr)")
        #expect(chat.stdout.contains("test.echo (echo), fixture.echo:"), "\(chat.stdout.prefix(500))")
        #expect(chat.stdout.contains("more lines; `agenthost tasks show 1 --plugin-dir"), "\(chat.stdout.suffix(500))")
        #expect(chat.stdout.split(separator: "\n").count < 260)
        let json = try self.chat(arguments + ["--json"], input: long + "\n")
        #expect(json.stdout.contains(long), "--json prints all of it")
    }

    @Test func theHelpSaysWhoAnswersUnderEachStrategy() throws {
        let help = try Command.agenthost(["chat", "--help"], home: home.url)
        for strategy in TurnStrategy.allCases { #expect(help.stdout.contains(strategy.rawValue)) }
        #expect(help.stdout.contains("nobody answers"), "\(help.stdout)")
        #expect(help.stdout.contains("--json"))
    }
}

/// A pseudo-terminal with the built `agenthost` on its other end, as its
/// controlling terminal: what it prints is read from the master side, and
/// keystrokes are written to it.
final class Terminal {
    private let master: Int32
    private let pid: pid_t
    private var bytes: [UInt8] = []
    /// Where the next `until` starts looking.
    private var cursor = 0
    private var status: Int32?

    init(arguments: [String], home: URL, columns: UInt16 = 100) throws {
        let pty = try PseudoTerminalCalls()
        master = pty.openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard master >= 0, pty.grantpt(master) == 0, pty.unlockpt(master) == 0 else { throw TerminalError("no pseudo-terminal: errno \(errno)") }
        var name = [CChar](repeating: 0, count: 128)
        guard pty.ptsname_r(master, &name, name.count) == 0 else { throw TerminalError("ptsname: errno \(errno)") }
        let slave = name.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var size = winsize(ws_row: 40, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(master, UInt(TIOCSWINSZ), &size)

        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = home.path
        environment["AGENTHOST_HOME"] = home.appendingPathComponent("agenthost-home").path
        environment["TERM"] = "xterm"
        environment.removeValue(forKey: "AGENTHOST_PLUGIN_PATH")
        environment.removeValue(forKey: "COLUMNS")

        #if canImport(Darwin)
        var actions: posix_spawn_file_actions_t? = nil
        var attributes: posix_spawnattr_t? = nil
        #else
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // Opened after setsid (POSIX_SPAWN_SETSID runs first), so it becomes the child's controlling terminal.
        posix_spawn_file_actions_addopen(&actions, 0, slave, O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_adddup2(&actions, 0, 2)
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), defaults = sigset_t()
        sigemptyset(&none)
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGPIPE, SIGQUIT] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(Self.setsid | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let path = PackagePaths.agenthostExecutable.path
        var child: pid_t = 0
        let result = Self.withCStrings([path] + arguments) { argv in
            Self.withCStrings(environment.map { "\($0.key)=\($0.value)" }) { envp in
                posix_spawn(&child, path, &actions, &attributes, argv, envp)
            }
        }
        guard result == 0 else { throw TerminalError("posix_spawn \(path): \(String(cString: strerror(result)))") }
        pid = child
    }

    /// POSIX_SPAWN_SETSID (glibc 2.26, macOS 10.15), spelled out where Swift's Glibc module hides it.
    #if canImport(Darwin)
    static let setsid = Int32(POSIX_SPAWN_SETSID)
    #else
    static let setsid: Int32 = 0x80
    #endif

    /// Everything it printed so far, as text.
    var output: String { String(decoding: bytes, as: UTF8.self) }

    /// Writes keystrokes to the terminal.
    func type(_ keys: String) {
        var rest = Array(keys.utf8)
        while !rest.isEmpty {
            let written = rest.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
            if written < 0 { if errno == EINTR { continue }; return }
            rest.removeFirst(written)
        }
    }

    /// What it printed from the end of the last match up to and including
    /// `text`, waiting for it up to `seconds` (a generous deadline, not a measurement).
    func until(_ text: String, seconds: Double = 120) throws -> String {
        let wanted = Array(text.utf8)
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            if let found = Self.find(wanted, in: bytes, from: cursor) {
                let chunk = String(decoding: bytes[cursor..<found], as: UTF8.self)
                cursor = found
                return chunk
            }
            guard Date() < deadline, readSome() else {
                throw TerminalError("'\(text)' never appeared within \(seconds) s; it printed after the last match:\n"
                                    + String(decoding: bytes[cursor...], as: UTF8.self) + "\n(before it:\n\(String(decoding: bytes[..<cursor], as: UTF8.self).suffix(3000)))")
            }
        }
    }

    /// Ctrl-D at the prompt, until the chat says it saved the conversation.
    /// libedit puts the terminal in its own mode only once it reads, a moment
    /// after the prompt is printed; a Ctrl-D typed in that moment goes to the
    /// terminal's line discipline instead, which drops it or leaves the line
    /// not empty (seen on a loaded machine, about 1 in 30). So it is sent
    /// again, after Ctrl-U, which empties the line in either mode.
    func endOfInput(attempts: Int = 12) throws -> String {
        for attempt in 1...attempts {
            type(attempt == 1 ? "\u{04}" : "\u{15}\u{04}")
            do {
                return try until("continues it", seconds: 10)
            } catch where attempt < attempts {
                continue
            }
        }
        return try until("continues it", seconds: 10)
    }

    /// Reads what is there within 100 ms; false once the other side is closed and drained.
    private func readSome() -> Bool {
        var poller = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
        let ready = poll(&poller, 1, 100)
        if ready <= 0 { return ready == 0 || errno == EINTR }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let got = chunk.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
        if got > 0 { bytes += chunk[..<got]; return true }
        return got < 0 && errno == EINTR  // EIO: every slave descriptor is closed
    }

    /// The exit status once it has ended (waiting up to `seconds`, then killing it), 128 + N for signal N.
    func exitStatus(seconds: Double = 60) -> Int32 {
        if let status { return status }
        let deadline = Date().addingTimeInterval(seconds)
        var raw: Int32 = 0
        while waitpid(pid, &raw, WNOHANG) == 0 {
            _ = readSome()
            if Date() > deadline { kill(pid, SIGKILL) }
        }
        while readSome() {}
        let code = raw & 0x7F == 0 ? (raw >> 8) & 0xFF : 128 + (raw & 0x7F)
        status = code
        return code
    }

    /// Whether the terminal is in line mode with echo, as a shell leaves it (libedit turns both off while it edits).
    func terminalIsCanonical() -> Bool {
        var settings = termios()
        guard tcgetattr(master, &settings) == 0 else { return false }
        return settings.c_lflag & tcflag_t(ICANON) != 0 && settings.c_lflag & tcflag_t(ECHO) != 0
    }

    /// Kills it if it still runs, and closes the terminal.
    func end() {
        if status == nil {
            kill(pid, SIGKILL)
            _ = exitStatus()
        }
        close(master)
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard needle.count <= haystack.count - start else { return nil }
        var index = start
        while index + needle.count <= haystack.count {
            if haystack[index] == needle[0], Array(haystack[index..<(index + needle.count)]) == needle { return index + needle.count }
            index += 1
        }
        return nil
    }

    private static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        var pointers = copies + [nil]
        return pointers.withUnsafeMutableBufferPointer { body(UnsafePointer($0.baseAddress!)) }
    }
}

/// posix_openpt, grantpt, unlockpt and ptsname_r, found in the C library at
/// run time: Swift's Glibc module leaves them out (they need _XOPEN_SOURCE).
struct PseudoTerminalCalls {
    let openpt: @convention(c) (Int32) -> Int32
    let grantpt: @convention(c) (Int32) -> Int32
    let unlockpt: @convention(c) (Int32) -> Int32
    let ptsname_r: @convention(c) (Int32, UnsafeMutablePointer<CChar>?, Int) -> Int32

    init() throws {
        let process = dlopen(nil, RTLD_NOW)
        func symbol<T>(_ name: String, as _: T.Type) throws -> T {
            guard let address = dlsym(process, name) else { throw TerminalError("the C library has no \(name)") }
            return unsafeBitCast(address, to: T.self)
        }
        openpt = try symbol("posix_openpt", as: (@convention(c) (Int32) -> Int32).self)
        grantpt = try symbol("grantpt", as: (@convention(c) (Int32) -> Int32).self)
        unlockpt = try symbol("unlockpt", as: (@convention(c) (Int32) -> Int32).self)
        ptsname_r = try symbol("ptsname_r", as: (@convention(c) (Int32, UnsafeMutablePointer<CChar>?, Int) -> Int32).self)
    }
}

struct TerminalError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
