import AgentHostCore
import Foundation
import Synchronization

/// What `workflow run`, `resume` and `plan --run` show while a run goes on.
/// On a terminal: the event lines scroll, and one status line at the bottom
/// says how many steps are done of how many, what runs now (with the last
/// progress its agent reported) and the time so far, redrawn five times a
/// second. Elsewhere (a pipe, a file, CI): the event lines alone, and a
/// line per progress report, at most one a second per step.
final class RunProgressDisplay: @unchecked Sendable {
    // @unchecked: the timer is set once in init and only cancelled after (thread-safe);
    // everything that changes is in `state`.
    private struct State {
        var done = 0
        /// Step id to agent, in the order they started.
        var running: [(step: String, agent: String)] = []
        var reports: [String: String] = [:]
        var lastPlainReport: [String: ContinuousClock.Instant] = [:]
        var statusShown = false
        var stopped = false
    }

    let total: Int
    let live: Bool
    private let started = ContinuousClock.now
    private let state = Mutex(State())
    private let output = FileHandle.standardOutput
    private let timer: (any DispatchSourceTimer)?

    init(steps: Int, live: Bool = isatty(1) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb") {
        total = steps
        self.live = live
        timer = live ? DispatchSource.makeTimerSource(queue: .global(qos: .utility)) : nil
        if let timer {
            timer.schedule(deadline: .now() + .milliseconds(200), repeating: .milliseconds(200))
            timer.setEventHandler { [weak self] in self?.redraw() }
            timer.resume()
        }
    }

    /// The options' hooks, wired to this display.
    func attach(to options: inout RunOptions) {
        options.progress = { [self] event in self.handle(event) }
        options.stepProgress = { [self] step, report in self.report(step, report) }
    }

    func handle(_ event: RunProgress) {
        state.withLock { state in
            switch event {
            case .started(let step, _, let agent):
                state.running.append((step, agent))
            case .ended(let step, _, _, let outcome, _, _):
                state.running.removeAll { $0.step == step }
                state.reports[step] = nil
                // A failed attempt ends its step unless a retry follows (`backtracked`, next).
                if outcome != .interrupted { state.done += 1 }
            case .backtracked:
                state.done -= 1
            case .restored, .skipped:
                state.done += 1
            }
        }
        print(RunPrinter.line(for: event))
    }

    func report(_ step: String, _ report: ProgressReport) {
        let percent = report.fraction.map { String(format: "%.0f%%", $0 * 100) }
        let text = [percent, report.message.isEmpty ? nil : report.message].compactMap { $0 }.joined(separator: " ")
        let plain = state.withLock { state -> Bool in
            state.reports[step] = text
            guard !live else { return false }
            let now = ContinuousClock.now
            if let last = state.lastPlainReport[step], now - last < .seconds(1) { return false }
            state.lastPlainReport[step] = now
            return true
        }
        if plain { print("  ...    \(RunPrinter.pad(step)) \(text)") }
    }

    /// Removes the status line; the summary follows.
    func stop() {
        timer?.cancel()
        let shown = state.withLock { state -> Bool in
            state.stopped = true
            return state.statusShown
        }
        if shown { write("\r\u{1B}[2K") }
    }

    /// An event line, above the status line.
    private func print(_ line: String) {
        guard live else {
            write(line + "\n")
            return
        }
        write("\r\u{1B}[2K" + line + "\n" + status())
        state.withLock { $0.statusShown = true }
    }

    private func redraw() {
        guard !state.withLock({ $0.stopped }) else { return }
        write("\r\u{1B}[2K" + status())
        state.withLock { $0.statusShown = true }
    }

    private func status() -> String {
        let (done, running, reports) = state.withLock { ($0.done, $0.running, $0.reports) }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        var line = "[\(done)/\(total)] \(String(format: "%.1f s", seconds))"
        if !running.isEmpty {
            line += " · running " + running.map { item in
                "\(item.step) (\(item.agent))" + (reports[item.step].map { ": \($0)" } ?? "")
            }.joined(separator: ", ")
        }
        // One terminal line: a status wider than the window would scroll the screen on every redraw.
        var window = winsize()
        let columns = ioctl(1, UInt(TIOCGWINSZ), &window) == 0 && window.ws_col > 10 ? Int(window.ws_col) - 1 : 119
        return line.count > columns ? String(line.prefix(columns - 1)) + "…" : line
    }

    private func write(_ text: String) { output.write(Data(text.utf8)) }
}
