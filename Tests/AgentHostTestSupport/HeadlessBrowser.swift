import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real headless Chromium driven over the Chrome DevTools Protocol, for
/// tests that need a page to run its scripts and react to input the way it
/// would for a person: typed text fires `input` events, clicks are mouse
/// events at the element's centre.
///
/// The browser is spawned with `--remote-debugging-pipe`, so there is no port
/// and no websocket: commands go to the browser's fd 3 and responses and events
/// come back on its fd 4, each message JSON ended by a NUL byte. Every profile
/// is a fresh temporary folder, removed by `close()`.
///
/// All methods block the calling thread until the browser answers or their
/// timeout (in seconds, bounding the whole call) passes, and every failure is
/// a `HeadlessBrowser.Failure` saying what was being waited for. Calls from
/// several threads are safe; they reach the page in some order.
///
/// ```swift
/// let browser = try HeadlessBrowser()
/// defer { browser.close() }
/// try browser.open(server.base + "/")
/// try browser.type("swift", into: "#q")
/// try browser.waitFor("document.querySelectorAll('li').length == 1")
/// try browser.click("a#next")
/// ```
public final class HeadlessBrowser: @unchecked Sendable {
    // @unchecked: the mutable state (`closed`, the next command id, the write
    // end of the command pipe) is guarded by `lock`, except `session`, which is
    // set once by init; everything the reader thread touches lives in
    // `DevToolsInbox`, which guards itself.

    /// Why a browser operation failed, in words meant for a test report.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// The browser's process id (the leader of its own process group).
    public let pid: pid_t

    private let profile: URL
    private let log: URL
    private let inbox: DevToolsInbox
    private let lock = NSLock()
    private var commands: Int32
    private var nextID = 0
    private var closed = false
    private var session = ""

    /// Starts Chromium with an empty profile and opens one blank page to drive.
    ///
    /// - Parameter executable: the browser; Debian's `/usr/bin/chromium` is a
    ///   shell wrapper that `exec`s the real binary, keeping the pid and fds.
    /// - Parameter startupTimeout: how long the browser may take to answer its
    ///   first command (a cold start on a busy machine takes a few seconds).
    public init(executable: String = "/usr/bin/chromium", startupTimeout: Double = 30) throws {
        guard access(executable, X_OK) == 0 else { throw Failure("no executable browser at \(executable)") }
        profile = FileManager.default.temporaryDirectory
            .appendingPathComponent("headless-browser-\(UUID().uuidString.prefix(8))")
        log = profile.appendingPathComponent("chromium.log")
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)

        let arguments = [
            executable,
            "--headless",
            "--remote-debugging-pipe",
            // Tests run as root, where Chromium refuses to start sandboxed.
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            // Keeps a test's traffic to what its page asks for.
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--mute-audio",
            // Screenshots of the same page come out the same.
            "--hide-scrollbars",
            "--user-data-dir=\(profile.path)",
            "--window-size=1280,900",
            "about:blank",
        ]
        let spawned: (pid: pid_t, commands: Int32, events: Int32)
        do {
            // Chromium's crash reporter keeps its database under $XDG_CONFIG_HOME, not the profile.
            var environment = ProcessInfo.processInfo.environment
            environment["XDG_CONFIG_HOME"] = profile.appendingPathComponent("config").path
            environment["XDG_CACHE_HOME"] = profile.appendingPathComponent("cache").path
            spawned = try Self.spawn(arguments, environment: environment, log: log.path)
        } catch {
            try? FileManager.default.removeItem(at: profile)
            throw error
        }
        pid = spawned.pid
        commands = spawned.commands
        inbox = DevToolsInbox()
        let inbox = self.inbox
        let events = spawned.events
        let reader = Thread { inbox.read(events) }
        reader.name = "HeadlessBrowser reader"
        reader.start()

        do {
            let target = try send("Target.createTarget", ["url": "about:blank"], timeout: startupTimeout,
                                  toPage: false)
            guard let targetID = target["targetId"] as? String else {
                throw Failure("Target.createTarget gave no targetId: \(target)")
            }
            let attached = try send("Target.attachToTarget", ["targetId": targetID, "flatten": true], toPage: false)
            guard let session = attached["sessionId"] as? String else {
                throw Failure("Target.attachToTarget gave no sessionId: \(attached)")
            }
            self.session = session
            _ = try send("Page.enable")
            _ = try send("Runtime.enable")
            // The window size counts a pretend toolbar (a 1280×900 window has a 1280×813 page);
            // pages and screenshots get exactly the size asked for.
            _ = try send("Emulation.setDeviceMetricsOverride",
                         ["width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": false])
        } catch {
            let output = logTail()
            close()
            throw Failure("\(error)" + (output.isEmpty ? "" : "\nChromium's output ends with:\n\(output)"))
        }
    }

    deinit { close() }

    // MARK: - Driving the page

    /// Navigates to `url` and returns once its `load` event has fired.
    ///
    /// A change of fragment only is a same-document navigation, which has no
    /// load event; it returns as soon as the browser accepts it.
    public func open(_ url: String, timeout: Double = 15) throws {
        let deadline = Date().addingTimeInterval(timeout)
        let mark = inbox.mark()
        let result = try send("Page.navigate", ["url": url], timeout: timeout)
        if let error = result["errorText"] as? String, !error.isEmpty {
            throw Failure("opening \(url) failed: \(error)")
        }
        guard let loader = result["loaderId"] as? String else { return }
        // The load event counts only after this navigation's commit: one still due from the document
        // being replaced comes before it.
        let committed = try inbox.event("Page.frameNavigated", session: session, after: mark,
                                        until: deadline, purpose: "\(url) to commit") {
            ($0["frame"] as? [String: Any])?["loaderId"] as? String == loader
        }
        _ = try inbox.event("Page.loadEventFired", session: session, after: committed, until: deadline,
                            purpose: "the load event of \(url)")
    }

    /// Runs `expression` in the page (awaiting it if it is a promise) and
    /// returns its value: a string as it is, anything else as JSON
    /// (`"3"`, `"true"`, `"null"`, `"[1,2]"`), `"undefined"` for undefined,
    /// and `NaN`, `Infinity`, `-0` or a BigInt as JavaScript writes them.
    ///
    /// Throws when the script throws, with the exception's text.
    @discardableResult
    public func evaluate(_ expression: String, timeout: Double = 10) throws -> String {
        try text(of: expression, timeout: timeout, shownAs: expression)
    }

    private func text(of expression: String, timeout: Double, shownAs label: String) throws -> String {
        let value = try value(of: expression, timeout: timeout, shownAs: label)
        switch value {
        case .undefined: return "undefined"
        case .literal(let text): return text
        case .json(let object):
            if let string = object as? String { return string }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.fragmentsAllowed, .sortedKeys])
            return String(decoding: data, as: UTF8.self)
        }
    }

    /// Polls the boolean expression `expression` every 50 ms until it is true.
    ///
    /// While it throws (its element is not there yet, or the page is between
    /// two documents) it counts as false; the last error is in the failure.
    public func waitFor(_ expression: String, timeout: Double = 10) throws {
        let deadline = Date().addingTimeInterval(timeout)
        // On its own lines, so that a trailing `// comment` cannot swallow the parenthesis.
        let check = "(async () => !!(await (\n\(expression)\n)))()"
        var lastError: Error?
        while true {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { break }
            do {
                if try text(of: check, timeout: remaining, shownAs: expression) == "true" { return }
                lastError = nil
            } catch {
                if inbox.hasEnded { throw error }
                lastError = error
            }
            usleep(50_000)
        }
        throw Failure("timed out after \(seconds(timeout)) waiting for `\(expression)` to be true"
            + (lastError.map { "; it last threw: \($0)" } ?? ""))
    }

    /// Focuses the element matching the CSS `selector` and types `text` into
    /// it at the caret, as a person would: the page sees `beforeinput` and
    /// `input` events (no key events).
    public func type(_ text: String, into selector: String) throws {
        let focused = try evaluate("""
            (() => {
              const element = document.querySelector(\(Self.literal(selector)));
              if (!element) return "missing";
              element.focus();
              return document.activeElement === element ? "focused" : "unfocusable";
            })()
            """)
        switch focused {
        case "focused": _ = try send("Input.insertText", ["text": text])
        case "missing": throw Failure("cannot type into \(selector): no element matches it")
        default: throw Failure("cannot type into \(selector): it does not take focus (disabled or hidden?)")
        }
    }

    /// Clicks the centre of the element matching the CSS `selector` with the
    /// left mouse button, after scrolling it into view. Whatever is on top of
    /// that point gets the click, as it would for a person.
    public func click(_ selector: String) throws {
        let found = try value(of: """
            (() => {
              const element = document.querySelector(\(Self.literal(selector)));
              if (!element) return null;
              element.scrollIntoView({ block: "center", inline: "center" });
              const box = element.getBoundingClientRect();
              return { x: box.left + box.width / 2, y: box.top + box.height / 2, width: box.width, height: box.height };
            })()
            """, timeout: 10, shownAs: "the box of \(selector)")
        guard case .json(let object) = found, let box = object as? [String: Any] else {
            throw Failure("cannot click \(selector): no element matches it")
        }
        guard let x = (box["x"] as? NSNumber)?.doubleValue, let y = (box["y"] as? NSNumber)?.doubleValue,
              let width = (box["width"] as? NSNumber)?.doubleValue,
              let height = (box["height"] as? NSNumber)?.doubleValue
        else { throw Failure("cannot click \(selector): its box is unreadable: \(box)") }
        guard width > 0, height > 0 else { throw Failure("cannot click \(selector): it has no size (hidden?)") }
        // The move first, so hover styles and mouseover handlers see what a real pointer would cause.
        _ = try send("Input.dispatchMouseEvent", ["type": "mouseMoved", "x": x, "y": y])
        for type in ["mousePressed", "mouseReleased"] {
            _ = try send("Input.dispatchMouseEvent",
                         ["type": type, "x": x, "y": y, "button": "left", "buttons": type == "mousePressed" ? 1 : 0,
                          "clickCount": 1])
        }
    }

    /// Writes a PNG of the visible part of the page to `path`, creating its folder.
    public func screenshot(to path: String) throws {
        let result = try send("Page.captureScreenshot", ["format": "png"], timeout: 30)
        guard let encoded = result["data"] as? String, let data = Data(base64Encoded: encoded) else {
            throw Failure("Page.captureScreenshot gave no base64 data")
        }
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }

    /// Asks the browser to quit, kills what is left of its process group after
    /// a short grace, and removes its profile. Safe to call more than once.
    public func close() {
        lock.lock()
        if closed { lock.unlock(); return }
        closed = true
        lock.unlock()

        if !inbox.hasEnded { _ = try? send("Browser.close", [:], timeout: 2, toPage: false, evenWhenClosed: true) }
        // Chromium also quits when its command pipe closes, which covers a browser too stuck to read Browser.close.
        lock.lock()
        Glibc.close(commands)
        commands = -1
        lock.unlock()
        Self.end(pid, grace: 5)
        // Once the group is gone nothing holds the event pipe's write end, so the reader has seen EOF and closed it.
        inbox.waitForEnd(timeout: 2)
        try? FileManager.default.removeItem(at: profile)
    }

    // MARK: - Protocol

    /// What `Runtime.evaluate` returned by value.
    private enum Value {
        case undefined
        case literal(String)
        case json(Any)
    }

    private func value(of expression: String, timeout: Double, shownAs label: String) throws -> Value {
        let result = try send("Runtime.evaluate",
                              ["expression": expression, "returnByValue": true, "awaitPromise": true],
                              timeout: timeout)
        if let details = result["exceptionDetails"] as? [String: Any] {
            let exception = details["exception"] as? [String: Any]
            let text = exception?["description"] as? String ?? details["text"] as? String ?? "\(details)"
            throw Failure("the page threw while evaluating `\(label)`: \(text)")
        }
        guard let remote = result["result"] as? [String: Any] else {
            throw Failure("Runtime.evaluate gave no result for `\(label)`")
        }
        if let literal = remote["unserializableValue"] as? String { return .literal(literal) }
        if let value = remote["value"] { return .json(value) }
        return remote["type"] as? String == "undefined" ? .undefined : .json(NSNull())
    }

    /// Sends one command (to the page's session unless `toPage` is false) and
    /// waits for its result, throwing the protocol's error if it failed.
    private func send(_ method: String, _ params: [String: Any] = [:], timeout: Double = 10, toPage: Bool = true,
                      evenWhenClosed: Bool = false) throws -> [String: Any] {
        lock.lock()
        guard !closed || evenWhenClosed, commands >= 0 else {
            lock.unlock()
            throw Failure("the browser is closed; cannot send \(method)")
        }
        nextID += 1
        let id = nextID
        var message: [String: Any] = ["id": id, "method": method, "params": params]
        if toPage { message["sessionId"] = session }
        let bytes: [UInt8]
        do {
            bytes = Array(try JSONSerialization.data(withJSONObject: message)) + [0]
        } catch {
            lock.unlock()
            throw Failure("cannot encode \(method): \(error)")
        }
        inbox.expect(id)
        // Under the lock, so that two threads' messages cannot interleave in the pipe.
        let written = Self.writeAll(commands, bytes)
        lock.unlock()
        guard written else {
            inbox.forget(id)
            throw Failure("the browser has gone (its command pipe is closed); cannot send \(method)")
        }
        let response = try inbox.response(id, until: Date().addingTimeInterval(timeout),
                                          purpose: "the answer to \(method)")
        if let error = response["error"] as? [String: Any] {
            let text = error["message"] as? String ?? "\(error)"
            let data = error["data"].map { " (\($0))" } ?? ""
            throw Failure("\(method) failed: \(text)\(data)")
        }
        return response["result"] as? [String: Any] ?? [:]
    }

    /// `text` as a JavaScript string literal (JSON's string syntax is a subset).
    private static func literal(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: text, options: .fragmentsAllowed)) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    private func logTail() -> String {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        // Every start in a container complains of D-Bus; what went wrong is in the other lines.
        return text.split(separator: "\n").filter { !$0.contains("dbus") }.suffix(15).joined(separator: "\n")
    }

    // MARK: - Process

    /// Spawns the browser in a process group of its own with the command pipe's
    /// read end on fd 3 and the event pipe's write end on fd 4, as
    /// `--remote-debugging-pipe` expects; returns our ends of both.
    private static func spawn(_ arguments: [String], environment: [String: String], log: String) throws
        -> (pid: pid_t, commands: Int32, events: Int32) {
        // Close-on-exec everywhere, so that only fds 3 and 4 (dup2 clears the flag) reach the browser and
        // no other child of this process inherits the pipes. Glibc's module does not export pipe2, so a
        // process spawned by another thread in the instant between pipe and fcntl could still get a copy.
        var commandPipe: [Int32] = [-1, -1]
        var eventPipe: [Int32] = [-1, -1]
        guard pipe(&commandPipe) == 0 else { throw Failure("pipe failed: errno \(errno)") }
        guard pipe(&eventPipe) == 0 else {
            commandPipe.forEach { _ = Glibc.close($0) }
            throw Failure("pipe failed: errno \(errno)")
        }
        for fd in commandPipe + eventPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        // The browser's ends moved above 3 and 4, so that neither dup2 can clobber the other's source.
        let childRead = fcntl(commandPipe[0], F_DUPFD_CLOEXEC, 10)
        let childWrite = fcntl(eventPipe[1], F_DUPFD_CLOEXEC, 10)
        for fd in [commandPipe[0], eventPipe[1]] { Glibc.close(fd) }
        defer { for fd in [childRead, childWrite] where fd >= 0 { Glibc.close(fd) } }
        guard childRead >= 0, childWrite >= 0 else {
            for fd in [commandPipe[1], eventPipe[0]] { Glibc.close(fd) }
            throw Failure("fcntl(F_DUPFD_CLOEXEC) failed: errno \(errno)")
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_adddup2(&actions, childRead, 3)
        posix_spawn_file_actions_adddup2(&actions, childWrite, 4)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own group, so that close() can kill renderers and helpers with it; default signals and an empty
        // mask, because a test runner's thread may block signals the browser relies on.
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, envp)
        guard status == 0 else {
            for fd in [commandPipe[1], eventPipe[0]] { Glibc.close(fd) }
            throw Failure("cannot start \(arguments[0]): \(String(cString: strerror(status)))")
        }
        return (pid, commandPipe[1], eventPipe[0])
    }

    /// Waits up to `grace` seconds for the browser to exit, then SIGKILLs its
    /// whole group and reaps it. The group is killed while the leader is still
    /// unreaped (a zombie at worst), so its id cannot have been reused.
    private static func end(_ pid: pid_t, grace: Double) {
        let deadline = Date().addingTimeInterval(grace)
        while Date() < deadline {
            var info = siginfo_t()
            // WNOWAIT: look without reaping. Linux zeroes `info` when nothing has changed.
            if waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_signo == SIGCHLD { break }
            usleep(20_000)
        }
        kill(-pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
    }

    /// Writes all of `bytes`; false if the browser has gone. SIGPIPE is blocked
    /// on this thread meanwhile, and a pending one consumed, so that a dead
    /// browser is an error for the test rather than the end of its process.
    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &pipeSignal, &previous)
        defer {
            var pending = sigset_t()
            sigpending(&pending)
            if sigismember(&pending, SIGPIPE) == 1 {
                var now = timespec()
                _ = sigtimedwait(&pipeSignal, nil, &now)
            }
            pthread_sigmask(SIG_SETMASK, &previous, nil)
        }
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return false }
            offset += count
        }
        return true
    }
}

/// Everything that arrives from the browser: responses kept until their
/// caller takes them, and the most recent events, numbered so that a caller
/// can wait for one that came after a given moment.
private final class DevToolsInbox: @unchecked Sendable {
    // @unchecked: every stored property is read and written under `condition`.

    private struct Event {
        let number: Int
        let method: String
        let session: String?
        let params: [String: Any]
    }

    private let condition = NSCondition()
    private var expected = Set<Int>()
    private var responses: [Int: [String: Any]] = [:]
    private var events: [Event] = []
    private var received = 0
    private var ended = false

    /// Enough for a page's worth of console messages and context changes between a command and the wait after it.
    private static let keptEvents = 500

    var hasEnded: Bool { condition.lock(); defer { condition.unlock() }; return ended }

    /// The number of the last event so far.
    func mark() -> Int { condition.lock(); defer { condition.unlock() }; return received }

    func expect(_ id: Int) { condition.lock(); expected.insert(id); condition.unlock() }

    func forget(_ id: Int) {
        condition.lock()
        expected.remove(id)
        responses[id] = nil
        condition.unlock()
    }

    func response(_ id: Int, until deadline: Date, purpose: String) throws -> [String: Any] {
        defer { forget(id) }
        return try wait(until: deadline, purpose: purpose) { responses[id] }
    }

    /// The number of the first `method` event on `session` after `mark` whose
    /// parameters satisfy `matching`. A crash of that session's page fails the
    /// wait at once instead of at its timeout.
    func event(_ method: String, session: String, after mark: Int, until deadline: Date, purpose: String,
               matching: ([String: Any]) -> Bool = { _ in true }) throws -> Int {
        try wait(until: deadline, purpose: purpose) {
            for event in events where event.number > mark && event.session == session {
                if event.method == method, matching(event.params) { return event.number }
                if event.method == "Inspector.targetCrashed" {
                    throw HeadlessBrowser.Failure("the page crashed while waiting for \(purpose)")
                }
            }
            return nil
        }
    }

    func waitForEnd(timeout: Double) {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        while !ended, condition.wait(until: deadline) {}
        condition.unlock()
    }

    /// Waits under the lock until `found` gives something.
    private func wait<T>(until deadline: Date, purpose: String, _ found: () throws -> T?) throws -> T {
        let start = Date()
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let value = try found() { return value }
            if ended {
                throw HeadlessBrowser.Failure("the browser exited (its event pipe closed) while waiting for \(purpose)")
            }
            if !condition.wait(until: deadline) {
                if let value = try found() { return value }
                throw HeadlessBrowser.Failure("timed out after \(seconds(deadline.timeIntervalSince(start))) "
                    + "waiting for \(purpose)")
            }
        }
    }

    /// The reader thread's loop: splits fd `events` on NUL bytes until EOF,
    /// then closes it and wakes every waiter.
    func read(_ fd: Int32) {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var pending = [UInt8]()
        var scanned = 0
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            pending += buffer[0..<count]
            // Screenshots arrive as messages of megabytes in many reads; scan only the new bytes for the NUL.
            var start = 0
            while let end = pending[scanned...].firstIndex(of: 0) {
                deliver(pending[start..<end])
                start = end + 1
                scanned = start
            }
            if start > 0 { pending.removeSubrange(0..<start) }
            scanned = pending.count
        }
        Glibc.close(fd)
        condition.lock()
        ended = true
        condition.broadcast()
        condition.unlock()
    }

    private func deliver(_ bytes: ArraySlice<UInt8>) {
        guard let message = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else { return }
        condition.lock()
        defer { condition.unlock() }
        if let id = message["id"] as? Int {
            // A response whose caller timed out is dropped, not kept forever.
            if expected.contains(id) { responses[id] = message }
        } else if let method = message["method"] as? String {
            received += 1
            events.append(Event(number: received, method: method, session: message["sessionId"] as? String,
                                params: message["params"] as? [String: Any] ?? [:]))
            if events.count > Self.keptEvents { events.removeFirst(events.count - Self.keptEvents) }
        }
        condition.broadcast()
    }
}

/// A duration for a message: `0.3 s`, `15 s`, not `0.9999942779541016 s`.
private func seconds(_ duration: Double) -> String { String(format: "%.3g s", duration) }
