import AgentHostCore
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The C echo plugin run isolated: the round trip over the channel, throughput
/// with concurrent callers, what a child costs to start, and what a restart
/// after a crash costs (the child is killed from outside with SIGKILL).
func benchIsolation(searchPath: PluginSearchPath, quick: Bool) {
    var isolatedPolicy = Policy.standard
    var process = PluginPolicy()
    process.isolation = .process
    isolatedPolicy.plugins["agenthost.bench.echo-c"] = process
    let payload = Array(#"{"task":"echo","text":"a small request payload of about sixty bytes"}"#.utf8)
    func makeHost() -> AgentHost {
        let host = AgentHost(registry: PluginRegistry(searchPath: searchPath, policy: isolatedPolicy), policy: isolatedPolicy)
        guard host.registry.plugin(id: "agenthost.bench.echo-c")?.isolation == .process else { fail("the echo plugin is not isolated") }
        return host
    }
    @Sendable func call(_ host: AgentHost) -> Int { must { try host.call("bench.echo_c", payload: payload) }.body.count }

    // The round trip: the child is started by the warm-up and reused.
    let host = makeHost()
    nonisolated(unsafe) var sink = 0
    let samples = quick ? 5_000 : 100_000
    report(measure("isolated_agent_call_c", samples: samples, batchSize: samples) { sink &+= call(host) }, target: 20_000)

    // Throughput: callers on their own threads for a fixed time; the thread-safe
    // echo plugin gets a child per concurrent caller, up to its process limit.
    for callers in [1, 2, 4] {
        let calls = Atomic<Int>(0)
        let seconds = quick ? 0.3 : 2.0
        let stop = Date().addingTimeInterval(seconds)
        DispatchQueue.concurrentPerform(iterations: callers) { _ in
            var mine = 0
            while Date() < stop {
                _ = call(host)
                mine += 1
            }
            calls.add(mine, ordering: .relaxed)
        }
        emit([("bench", "isolated_throughput_c"), ("callers", callers), ("calls_per_s", Double(calls.load(ordering: .relaxed)) / seconds),
              ("processes", min(callers, max(2, ProcessInfo.processInfo.activeProcessorCount))), ("cores", ProcessInfo.processInfo.activeProcessorCount)])
    }

    // A child's start (spawn, confinement, dlopen, init, the load reports), and
    // a restart: the next call finds its idle child dead (killed from outside
    // with SIGKILL), starts a new one and is answered.
    var starts: [Double] = [], restarts: [Double] = []
    for _ in 0..<(quick ? 5 : 30) {
        let fresh = makeHost()
        let plugin = fresh.registry.plugin(id: "agenthost.bench.echo-c")!
        let others = Set(childProcesses(of: "agenthost.bench.echo-c"))
        var begin = now()
        guard case .success? = plugin.prepare() else { fail("the echo plugin's child did not start") }
        starts.append(Double(now() - begin) / 1e6)
        _ = call(fresh)
        guard let child = childProcesses(of: "agenthost.bench.echo-c").first(where: { !others.contains($0) }) else {
            fail("no child process found")
        }
        kill(child, SIGKILL)
        // Until it is a zombie (this process is its parent; WNOWAIT leaves it for the host to reap).
        var info = siginfo_t()
        while waitid(P_PID, id_t(child), &info, WEXITED | WNOWAIT) != 0, errno == EINTR {}
        // Until the next answer: the pool replaces a child it sees dead before
        // the call; one that died a moment earlier fails that call first.
        begin = now()
        while (try? fresh.call("bench.echo_c", payload: payload)) == nil {}
        restarts.append(Double(now() - begin) / 1e6)
    }
    func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
    emit([("bench", "isolated_child_start"), ("median_ms", median(starts)), ("max_ms", starts.max()!), ("runs", starts.count),
          ("target_ms", 20.0), ("meets_target", median(starts) <= 20)])
    emit([("bench", "isolated_restart_after_kill"), ("median_ms", median(restarts)), ("max_ms", restarts.max()!), ("runs", restarts.count),
          ("note", "from SIGKILL of its idle child to the next answer: finding it dead, starting another, the call")])
    FileHandle.standardError.write(Data("isolation checksum \(sink)\n".utf8))
}

/// The pids of the processes running plugin `id` (by the variable the host gives each child).
func childProcesses(of id: String) -> [pid_t] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { entry in
        guard let pid = pid_t(entry), let data = FileManager.default.contents(atPath: "/proc/\(entry)/environ") else { return nil }
        return String(decoding: data, as: UTF8.self).split(separator: "\0").contains("AGENTHOST_PLUGIN_ID=\(id)") ? pid : nil
    }
}
