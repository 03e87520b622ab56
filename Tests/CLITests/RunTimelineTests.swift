import AgentHostCore
import AgentHostTestSupport
import Foundation
import Testing

/// A run's timeline as `runs show`, `runs trace --format chrome` and
/// `--format html` give it, from real runs of real fixture plugins: one
/// killed and resumed, one that hands off, the page opened in a real
/// headless Chromium.
@Suite final class RunTimelineTests {
    let cli: CLIHome

    init() throws {
        cli = try CLIHome("timeline", fixtures: [FixturePlugin(id: "test.worker"), .handingOff(id: "test.front", to: "test.back"),
                                              FixturePlugin(id: "test.back")])
    }

    func agenthost(_ arguments: String...) throws -> Command.Result { try cli.agenthost(arguments) }

    func waitUntilRunning(step: String) -> Bool {
        BackgroundHost.until {
            guard let store = try? TaskStore(path: self.cli.database, access: .readOnly), let tasks = try? store.tasks(status: .inProgress) else {
                return false
            }
            return tasks.contains { $0.step == step }
        }
    }

    @Test func aKilledAndResumedRunStartsAtZeroAndNumbersItsAttemptsInOrder() throws {
        let file = try cli.write("slow.yaml", """
            name: slow
            mode: sequential
            steps:
              - { id: first, capability: fixture.echo, agents: [test.worker], input: { n: 1 } }
              - { id: slow, capability: fixture.sleep, agents: [test.worker], input: { ms: 3000 } }
            """)
        let host = try cli.start(["workflow", "run", file])
        #expect(waitUntilRunning(step: "slow"), "the slow step never started")
        // Long enough for a heartbeat (every second) after the step started.
        Thread.sleep(forTimeInterval: 2)
        let killedAt = WallClock.microseconds()
        host.signal(SIGKILL)
        host.wait()
        let resumed = try agenthost("resume", "1")
        #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")

        let show = try agenthost("runs", "show", "1")
        #expect(show.status == 0, "\(show.stderr)")
        #expect(!show.stdout.contains("+-"), "no offset is negative: \(show.stdout)")
        #expect(show.stdout.contains("  +0 µs "), "the first line is at the run's start: \(show.stdout)")
        #expect(show.stdout.contains("attempt slow#1 on test.worker: interrupted"), "\(show.stdout)")
        #expect(show.stdout.contains("attempt slow#2 on test.worker: completed"), "\(show.stdout)")
        #expect(show.stdout.contains("resumed"), "\(show.stdout)")

        let timeline = try #require(try cli.store().timeline(ofRun: 1))
        let slow = timeline.attempts.filter { $0.step == "slow" }
        #expect(slow.map(\.number) == [1, 2])
        #expect(slow.map(\.outcome) == ["interrupted", "completed"])
        let interrupted = slow[0]
        // It ends when its host was last known alive: after it started, before the kill.
        #expect(interrupted.durationUs > 0, "a heartbeat came after the step started: \(interrupted)")
        #expect(timeline.originUs + interrupted.endUs <= killedAt, "not at the moment the next host noticed")
        #expect(timeline.bars.allSatisfy { $0.startUs >= 0 && $0.endUs >= $0.startUs })
        #expect(timeline.marks.allSatisfy { $0.atUs >= 0 && $0.atUs <= timeline.durationUs })
    }

    /// A handoff, a failure and a checkpoint, rendered three ways.
    func handoffRun() throws {
        let file = try cli.write("team.yaml", """
            name: team
            mode: parallel
            steps:
              - { id: pass, capability: fixture.handoff, agents: [test.front], input: { hop: 0 } }
              - { id: echo, capability: fixture.echo, agents: [test.worker], input: { n: 2 } }
              - { id: broken, capability: fixture.fail, agents: [test.worker], optional: true }
            """)
        let run = try agenthost("workflow", "run", file)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
    }

    @Test func theChromeTraceHasAThreadPerAgentASlicePerTaskAndAFlowPerHandoff() throws {
        try handoffRun()
        let output = cli.home.url.appendingPathComponent("run.json").path
        let written = try agenthost("runs", "trace", "1", "--format", "chrome", "--output", output)
        #expect(written.status == 0, "\(written.stderr)")
        #expect(written.stdout.contains("ui.perfetto.dev"))
        let trace = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output))) as? [String: Any])
        let events = try #require(trace["traceEvents"] as? [[String: Any]])
        let threads = events.filter { $0["name"] as? String == "thread_name" }
            .compactMap { ($0["args"] as? [String: Any])?["name"] as? String }
        #expect(Set(threads) == ["test.front", "test.back", "test.worker"])
        let slices = events.filter { $0["ph"] as? String == "X" }
        #expect(slices.count == 4, "three attempts and the handoff's task")
        #expect(slices.allSatisfy { ($0["ts"] as? Int ?? -1) >= 0 && ($0["dur"] as? Int ?? 0) > 0 })
        let broken = try #require(slices.first { ($0["args"] as? [String: Any])?["step"] as? String == "broken" })
        #expect(broken["cname"] as? String == "bad")
        #expect(broken["name"] as? String == "broken#1")
        let flows = events.filter { ["s", "f"].contains($0["ph"] as? String) }
        #expect(flows.count == 2 && Set(flows.compactMap { $0["id"] as? Int }).count == 1, "one arrow, start and end: \(flows)")
        #expect(events.contains { $0["ph"] as? String == "i" && $0["cat"] as? String == "checkpoint" })
    }

    @Test func theHTMLPageShowsLanesBarsAndArrowsInAHeadlessBrowser() throws {
        let chromium = "/usr/bin/chromium"
        try #require(FileManager.default.isExecutableFile(atPath: chromium),
                     "Chromium is needed for the timeline page test: apt-get install chromium (.ci/run installs it)")
        try handoffRun()
        let page = cli.home.url.appendingPathComponent("run.html")
        let written = try agenthost("runs", "trace", "1", "--format", "html", "-o", page.path)
        #expect(written.status == 0, "\(written.stderr)")
        let html = try String(contentsOf: page, encoding: .utf8)
        #expect(!html.contains("http://") && !html.contains("https://") && !html.contains("<script"), "self-contained, nothing fetched")

        let browser = try HeadlessBrowser(executable: chromium)
        defer { browser.close() }
        try browser.open(page.absoluteString)
        try browser.waitFor("document.querySelectorAll('.lane').length > 0")
        let lanes = try browser.evaluate("[...document.querySelectorAll('.lane')].map(l => l.dataset.agent).join(',')")
        #expect(Set(lanes.split(separator: ",").map(String.init)) == ["test.front", "test.back", "test.worker"], "\(lanes)")
        let bars = try browser.evaluate("""
            [...document.querySelectorAll('.lane .bar')].map(b => b.closest('.lane').dataset.agent + ':' + b.dataset.kind + ':'
              + (b.dataset.step || '-') + '#' + (b.dataset.attempt || '-') + ':' + b.dataset.outcome).sort().join(',')
            """)
        #expect(bars == "test.back:handoff:-#-:completed,test.front:attempt:pass#1:completed,"
                + "test.worker:attempt:broken#1:failed,test.worker:attempt:echo#1:completed", "\(bars)")
        // Coloured by outcome, laid out inside the page, with a width.
        let colours = try browser.evaluate("""
            [...document.querySelectorAll('.bar[data-outcome]')].map(b => b.dataset.outcome + '=' + getComputedStyle(b).backgroundColor)
              .sort().filter((v, i, a) => a.indexOf(v) === i).join(';')
            """)
        #expect(colours.contains("completed=rgb(47, 158, 82)") && colours.contains("failed=rgb(214, 59, 59)"), "\(colours)")
        let sized = try browser.evaluate("""
            [...document.querySelectorAll('.lane .bar')].every(b => { const r = b.getBoundingClientRect(); return r.width > 0 && r.left >= 0 })
            """)
        #expect(sized == "true")
        // The handoff's arrow runs from test.front's lane down or up to test.back's.
        let arrow = try browser.evaluate("""
            (() => { const a = document.querySelector('line.arrow'); if (!a) return 'none';
              const lane = id => document.querySelector('.bar[data-task="' + id + '"]').closest('.lane').dataset.agent;
              return a.dataset.kind + ':' + lane(a.dataset.from) + '->' + lane(a.dataset.to); })()
            """)
        #expect(arrow == "handoff:test.front->test.back", "\(arrow)")
        #expect(try browser.evaluate("document.querySelectorAll('.lane .mark.checkpoint').length") == "3")
        // Details on hover: hidden until the bar is hovered.
        let hidden = try browser.evaluate("getComputedStyle(document.querySelector('.bar[data-step=broken] .tip')).display")
        #expect(hidden == "none")
        let tip = try browser.evaluate("document.querySelector('.bar[data-step=broken] .tip').textContent")
        #expect(tip.contains("broken#1: failed") && tip.contains("fixture.fail"), "\(tip)")
        try browser.screenshot(to: PackagePaths.testArtifacts.appendingPathComponent("run-timeline.png").path)
    }

    @Test func aRunThatDoesNotExistOrAnOutputThatCannotBeWrittenIsAClearError() throws {
        let missing = try agenthost("runs", "trace", "9", "--format", "chrome")
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("no run 9"), "\(missing.stderr)")
        try handoffRun()
        let unwritable = try agenthost("runs", "trace", "1", "--output", "/proc/agenthost/run.html")
        #expect(unwritable.status != 0)
        #expect(unwritable.stderr.contains("cannot write /proc/agenthost/run.html"), "\(unwritable.stderr)")
        let badFormat = try agenthost("runs", "trace", "1", "--format", "svg")
        #expect(badFormat.status != 0)
        #expect(badFormat.stderr.contains("svg"), "\(badFormat.stderr)")
    }
}
