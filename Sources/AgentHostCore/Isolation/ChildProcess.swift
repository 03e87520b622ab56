import AgentHostChannel
import CAgentHost
import Foundation
#if canImport(Glibc)
import Glibc
private let systemRead = Glibc.read
private let systemSend = Glibc.send
#elseif canImport(Darwin)
import Darwin
private let systemRead = Darwin.read
private let systemSend = Darwin.send
#endif

/// One running `agenthost-plugin-host`: the channel to it, the page it reads
/// cancellations from, and the lifeline that ends it when this process ends.
/// One call at a time: its owner (`IsolatedPlugin`) hands a child to one
/// caller thread, which does the whole exchange itself, callbacks included.
final class ChildProcess: @unchecked Sendable {
    // @unchecked: used by one thread at a time, as the pool hands it out.

    let pid: pid_t
    let pluginID: String
    private let channel: Int32
    private let sharedFD: Int32
    private let shared: UnsafeMutablePointer<ahc_shared>
    private let lifeline: Int32
    private let pump: OutputPump
    private var reaped: (status: Int32, peakKiB: Int)?
    /// The plugin's peak memory as of its last reply, in KiB.
    private(set) var peakKiB = 0

    private init(pid: pid_t, pluginID: String, channel: Int32, sharedFD: Int32, shared: UnsafeMutablePointer<ahc_shared>,
                 lifeline: Int32, pump: OutputPump) {
        self.pid = pid
        self.pluginID = pluginID
        self.channel = channel
        self.sharedFD = sharedFD
        self.shared = shared
        self.lifeline = lifeline
        self.pump = pump
    }

    deinit {
        stop()
        close(channel)
        close(lifeline)
        munmap(shared, MemoryLayout<ahc_shared>.size)
        close(sharedFD)
    }

    // MARK: - Start

    /// Once this process runs plugins isolated, it is not dumpable: a child
    /// without Landlock, running as the same user, cannot read the host's
    /// memory or environment through /proc.
    private static let hardenHost: Void = {
        _ = ahc_harden_host()
    }()

    /// Starts a child for `configuration` and waits for its load report.
    static func start(_ configuration: ChildConfiguration) throws(PluginFault) -> (ChildProcess, ChildHello) {
        _ = hardenHost
        let plugin = configuration.pluginID
        var sockets: [Int32] = [-1, -1], life: [Int32] = [-1, -1], output: [Int32] = [-1, -1]
        var sharedFD: Int32 = -1
        var mapped: UnsafeMutablePointer<ahc_shared>?
        func cannot(_ what: String) -> PluginFault {
            let problem = "\(what): \(String(cString: strerror(errno)))"
            for fd in sockets + life + output + [sharedFD] where fd >= 0 { close(fd) }
            if let mapped { munmap(mapped, MemoryLayout<ahc_shared>.size) }
            return .cannotStart(plugin: plugin, problem: problem)
        }
        guard ahc_socketpair(&sockets) == 0 else { throw cannot("socketpair") }
        guard ahc_pipe(&life) == 0 else { throw cannot("pipe") }
        guard ahc_pipe(&output) == 0 else { throw cannot("pipe") }
        sharedFD = ahc_shared_create()
        guard sharedFD >= 0 else { throw cannot("memfd") }
        mapped = ahc_shared_map(sharedFD)
        guard let shared = mapped else { throw cannot("mmap") }

        let argv = [configuration.helperPath] + configuration.arguments
        let pid = withCStrings(argv) { argvPointers in
            withCStrings(configuration.environment) { envPointers in
                var request = ahc_spawn_request(helper_path: argvPointers[0], argv: argvPointers, envp: envPointers,
                                                channel_fd: sockets[1], shared_fd: sharedFD, lifeline_fd: life[0], output_fd: output[1])
                return ahc_spawn(&request)
            }
        }
        let spawnError = errno
        close(sockets[1])
        close(life[0])
        close(output[1])
        guard pid > 0 else {
            close(sockets[0]); close(life[1]); close(output[0])
            munmap(shared, MemoryLayout<ahc_shared>.size); close(sharedFD)
            throw .cannotStart(plugin: plugin, problem: "\(configuration.helperPath): \(String(cString: strerror(spawnError)))")
        }
        _ = fcntl(sockets[0], F_SETFL, fcntl(sockets[0], F_GETFL) | O_NONBLOCK)
        let pump = OutputPump(fd: output[0], pluginID: plugin, pid: pid)
        let child = ChildProcess(pid: pid, pluginID: plugin, channel: sockets[0], sharedFD: sharedFD, shared: shared,
                                 lifeline: life[1], pump: pump)

        let loadDeadline = WallClock.nanoseconds() + Int64(configuration.limits.loadTimeoutMilliseconds) * 1_000_000
        let watch: (Int64) -> PluginFault? = { now in
            now >= loadDeadline ? .loadTimeout(plugin: plugin, milliseconds: configuration.limits.loadTimeoutMilliseconds) : nil
        }
        // First the confinement report, then the load report; a child that
        // could not confine itself sends only a load report saying why.
        var bits: UInt64 = 0, landlock: Int64 = -1
        var hello: ChildHello
        do throws(ChannelProblem) {
            var frame = try child.receive(watch: watch)
            let confined = frame.kind == AHC_CONFINED.rawValue
            if confined {
                var report = WireReader(frame.body)
                (bits, landlock) = (report.u64(), Int64(bitPattern: report.u64()))
                guard !report.failed else { throw ChannelProblem.broken("a malformed confinement report") }
                frame = try child.receive(watch: watch)
            }
            guard frame.kind == AHC_HELLO.rawValue, let report = ChildHello(frame.body, pluginID: plugin) else {
                throw ChannelProblem.broken("its load report is missing or malformed")
            }
            // Only a child that could not confine itself skips the confinement report, and it says why.
            if !confined, case .loaded = report.outcome { throw ChannelProblem.broken("it loaded a plugin without confining itself") }
            hello = report
        } catch {
            throw child.fault(for: error, during: "init", limits: configuration.limits)
        }
        // What the child said before any plugin code ran, checked against what the kernel says.
        hello.protections = IsolationProtections(bits: child.verified(bits), landlockABI: landlock >= 0 ? Int(landlock) : nil)
        return (child, hello)
    }

    /// `bits` without the protections the kernel's own view of the child
    /// (/proc/PID/status) contradicts.
    private func verified(_ bits: UInt64) -> UInt64 {
        #if os(Linux)
        guard let data = FileHandle(forReadingAtPath: "/proc/\(pid)/status")?.readDataToEndOfFile() else { return bits }
        let status = String(decoding: data, as: UTF8.self)
        var checked = bits
        if !status.contains("NoNewPrivs:\t1") { checked &= ~UInt64(AHC_PROTECT_NO_NEW_PRIVS) }
        if !status.contains("Seccomp:\t2") { checked &= ~UInt64(AHC_PROTECT_SECCOMP) }
        return checked
        #else
        return bits
        #endif
    }

    // MARK: - Exchanges

    /// Sends a call and serves its callbacks on this thread until the reply.
    /// `host` is the table the plugin's callbacks are answered through.
    func call(_ request: [UInt8], for call: ActiveCall, host: UnsafeMutablePointer<ah_host>, limits: PluginLimits,
              during: String) throws(PluginFault) -> (AgentStatus, [UInt8]) {
        shared.pointee.cancelled_call = 0
        let watch = watching(call, limits: limits, during: during)
        do throws(ChannelProblem) {
            try send(request, watch: watch)
            let reply = try serve(until: AHC_REPLY, servedCall: call.id, host: host, watch: watch)
            var reader = WireReader(reply.body)
            let status = AgentStatus(code: Int32(truncatingIfNeeded: reader.u64()))
            let body = reader.data(limit: Int(AH_MAX_PAYLOAD_BYTES))
            peakKiB = Int(clamping: reader.u64())
            guard !reader.failed else { throw ChannelProblem.broken("a malformed reply") }
            return (status, body)
        } catch {
            throw fault(for: error, during: during, limits: limits)
        }
    }

    /// What stops a call: its cancellation or deadline, then the grace after
    /// it. The first time it is seen, the child is told through the shared page.
    private func watching(_ call: ActiveCall, limits: PluginLimits, during: String) -> (Int64) -> PluginFault? {
        var cancelledAt: Int64?
        let grace = Int64(limits.graceMilliseconds) * 1_000_000
        return { now in
            guard call.isCancelled else { return nil }
            if cancelledAt == nil {
                cancelledAt = now
                self.shared.pointee.cancelled_call = call.id
            }
            guard now - cancelledAt! >= grace else { return nil }
            let pastDeadline = call.deadlineNanoseconds != 0 && now >= call.deadlineNanoseconds
            return pastDeadline ? .deadline(plugin: self.pluginID, graceMilliseconds: limits.graceMilliseconds, during: during)
                : .cancelled(plugin: self.pluginID, graceMilliseconds: limits.graceMilliseconds, during: during)
        }
    }

    /// Runs a typed tool (an AHC_TOOL request) in the child: between calls,
    /// bounded by `limits.toolTimeoutMilliseconds`, or in the middle of the
    /// call `within`, which asked for it through `call_tool` (the child waits
    /// for that callback's reply meanwhile), bounded as that call is.
    func callTool(_ request: [UInt8], within call: ActiveCall?, host: UnsafeMutablePointer<ah_host>, limits: PluginLimits,
                  during: String) throws(PluginFault) -> [UInt8] {
        let watch: (Int64) -> PluginFault?
        if let call {
            watch = watching(call, limits: limits, during: during)
        } else {
            let deadline = WallClock.nanoseconds() + Int64(limits.toolTimeoutMilliseconds) * 1_000_000
            watch = { now in now >= deadline ? .deadline(plugin: self.pluginID, graceMilliseconds: 0, during: during) : nil }
        }
        do throws(ChannelProblem) {
            try send(request, watch: watch)
            return try serve(until: AHC_TOOL_REPLY, servedCall: call?.id ?? 0, host: host, watch: watch).body
        } catch {
            throw fault(for: error, during: during, limits: limits)
        }
    }

    /// Asks the plugin to de-initialise and waits half a second at most; stops it either way.
    func shutdown() {
        let deadline = WallClock.nanoseconds() + 500_000_000
        let watch: (Int64) -> PluginFault? = { now in now >= deadline ? .loadTimeout(plugin: self.pluginID, milliseconds: 500) : nil }
        if (try? send(WireWriter().frame(AHC_DEINIT), watch: watch)) != nil { _ = try? receive(watch: watch) }
        stop()
    }

    /// Kills the child (its whole process group) and reaps it, once.
    func stop() {
        guard reaped == nil else { return }
        kill(-pid, SIGKILL)
        kill(pid, SIGKILL)
        reap()
    }

    @discardableResult
    private func reap() -> (status: Int32, peakKiB: Int) {
        if let reaped { return reaped }
        var status: Int32 = 0
        var peak = 0
        _ = ahc_reap(pid, &status, &peak)
        pump.finish()
        reaped = (status, peak)
        return (status, peak)
    }

    // MARK: - Frames

    struct Frame {
        var kind: UInt32
        var body: [UInt8]
    }

    enum ChannelProblem: Error {
        /// The child closed the channel: it ended.
        case closed
        /// The watch asked to stop it.
        case stopped(PluginFault)
        /// It sent something the protocol does not allow.
        case broken(String)
    }

    /// Reads frames, answering callbacks and progress for `servedCall`,
    /// until one of `kind`. The watch is asked after every frame too, so a
    /// child that keeps talking cannot outlast its deadline.
    private func serve(until kind: ahc_kind, servedCall: UInt64, host: UnsafeMutablePointer<ah_host>,
                       watch: (Int64) -> PluginFault?) throws(ChannelProblem) -> Frame {
        while true {
            let frame = try receive(watch: watch)
            if frame.kind == kind.rawValue { return frame }
            if let fault = watch(WallClock.nanoseconds()) { throw .stopped(fault) }
            switch frame.kind {
            case AHC_CALLBACK.rawValue:
                var broken: ChannelProblem?
                let reply = try ChildCallbacks.answer(frame.body, host: host, servedCall: servedCall) { event in
                    guard broken == nil else { return }
                    var writer = WireWriter(capacity: event.count + 16)
                    writer.str(event)
                    do throws(ChannelProblem) {
                        try send(writer.frame(AHC_CALLBACK_EVENT), watch: watch)
                    } catch {
                        broken = error
                    }
                }
                if let broken { throw broken }
                try send(reply, watch: watch)
            case AHC_PROGRESS.rawValue:
                ChildCallbacks.progress(frame.body, host: host, servedCall: servedCall)
            default:
                throw .broken("a message of kind \(frame.kind) while the host waited for kind \(kind.rawValue)")
            }
        }
    }

    /// The largest frame of each kind a child may send: what its fields
    /// may hold under the header's limits, and no more.
    private static func limit(of kind: UInt32) -> Int? {
        let framing = 4096
        switch kind {
        case AHC_HELLO.rawValue: return 32 << 20  // up to 4096 capabilities and 256 tools, 4 KiB a string
        case AHC_CONFINED.rawValue: return 64
        case AHC_REPLY.rawValue, AHC_TOOL_REPLY.rawValue: return Int(AH_MAX_PAYLOAD_BYTES) + framing
        case AHC_CALLBACK.rawValue: return Int(AH_MAX_PAYLOAD_BYTES) + Int(AH_MAX_PATH_BYTES) + framing
        case AHC_PROGRESS.rawValue: return Int(AH_MAX_LOG_BYTES) + framing
        default: return nil
        }
    }

    private func receive(watch: (Int64) -> PluginFault?) throws(ChannelProblem) -> Frame {
        let headerBytes = try read(MemoryLayout<ahc_header>.size, watch: watch)
        let header = headerBytes.withUnsafeBytes { $0.loadUnaligned(as: ahc_header.self) }
        guard let limit = Self.limit(of: header.kind) else { throw .broken("a message of unknown kind \(header.kind)") }
        guard header.length <= UInt64(limit) else {
            throw .broken("a message of kind \(header.kind) and \(header.length) bytes, over its limit of \(limit)")
        }
        return Frame(kind: header.kind, body: try read(Int(header.length), watch: watch))
    }

    #if os(Linux)
    static let sendFlags = Int32(MSG_NOSIGNAL)
    #else
    static let sendFlags: Int32 = 0
    #endif

    /// How long one wait for the channel lasts before the watch is asked again.
    private static let tickMilliseconds: Int32 = 10

    /// How long a reader polls the channel before it sleeps in `poll`: a
    /// sleeping thread takes tens of microseconds to wake on a virtual
    /// machine, longer than a quick call takes.
    static let spinNanoseconds: Int64 = 50_000

    /// Reads `count` bytes. Memory grows with what arrives, not with what a
    /// header announces; the watch is asked between chunks.
    private func read(_ count: Int, watch: (Int64) -> PluginFault?) throws(ChannelProblem) -> [UInt8] {
        let chunk = 1 << 20
        var bytes = [UInt8](repeating: 0, count: min(count, chunk))
        var done = 0
        var spinUntil: Int64 = 0
        while done < count {
            if done == bytes.count { bytes += [UInt8](repeating: 0, count: min(count - done, chunk)) }
            let room = bytes.count - done
            let got = bytes.withUnsafeMutableBytes { systemRead(channel, $0.baseAddress! + done, room) }
            if got > 0 {
                done += got
                if done < count, let fault = watch(WallClock.nanoseconds()) { throw .stopped(fault) }
                continue
            }
            if got == 0 { throw .closed }
            guard errno == EAGAIN || errno == EINTR else { throw .closed }
            let now = WallClock.monotonicNanoseconds()
            if spinUntil == 0 { spinUntil = now + Self.spinNanoseconds }
            if now < spinUntil { continue }
            try wait(events: Int16(POLLIN), watch: watch)
            spinUntil = 0
        }
        return bytes
    }

    private func send(_ bytes: [UInt8], watch: (Int64) -> PluginFault?) throws(ChannelProblem) {
        var done = 0
        while done < bytes.count {
            let sent = bytes.withUnsafeBytes { systemSend(channel, $0.baseAddress! + done, bytes.count - done, ChildProcess.sendFlags) }
            if sent > 0 { done += sent; continue }
            guard sent < 0, errno == EAGAIN || errno == EINTR else { throw .closed }
            try wait(events: Int16(POLLOUT), watch: watch)
        }
    }

    private func wait(events: Int16, watch: (Int64) -> PluginFault?) throws(ChannelProblem) {
        var entry = pollfd(fd: channel, events: events, revents: 0)
        while true {
            let ready = poll(&entry, 1, Self.tickMilliseconds)
            if ready > 0 { return }
            if ready < 0, errno != EINTR { throw .closed }
            if let fault = watch(WallClock.nanoseconds()) { throw .stopped(fault) }
        }
    }

    // MARK: - Faults

    /// What a channel problem means, once the child is stopped and reaped.
    private func fault(for problem: ChannelProblem, during: String, limits: PluginLimits) -> PluginFault {
        switch problem {
        case .stopped(let fault):
            stop()
            return fault
        case .broken(let what):
            stop()
            return .protocolViolation(plugin: pluginID, problem: what)
        case .closed:
            // It ended by itself (or closed its end): wait briefly for it to
            // become reapable, so its own exit status is what gets reported.
            let deadline = WallClock.nanoseconds() + 2_000_000_000
            while !hasEnded(), WallClock.nanoseconds() < deadline { usleep(500) }
            if !hasEnded() { kill(-pid, SIGKILL); kill(pid, SIGKILL) }
            let (waitStatus, peak) = reap()
            return classify(waitStatus: waitStatus, peakKiB: max(peak, peakKiB), during: during, limits: limits)
        }
    }

    /// Reaps a child that ended between calls and says how it ended.
    func endedByItself(during: String, limits: PluginLimits) -> PluginFault {
        let (status, peak) = reap()
        return classify(waitStatus: status, peakKiB: max(peak, peakKiB), during: during, limits: limits)
    }

    /// Whether the child ended while idle: its output pump saw the end (no
    /// system call unless it did), confirmed by the kernel.
    var endedWhileIdle: Bool { pump.sawEnd && hasEnded() }

    /// Whether the child has ended, without collecting it.
    private func hasEnded() -> Bool {
        if reaped != nil { return true }
        var info = siginfo_t()
        guard waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 else { return true }
        #if os(Linux)
        return info._sifields._sigchld.si_pid != 0
        #else
        return info.si_pid != 0
        #endif
    }

    private func classify(waitStatus: Int32, peakKiB: Int, during: String, limits: PluginLimits) -> PluginFault {
        let signal = waitStatus & 0x7f
        let limitKiB = limits.memoryMB * 1024
        // Out of memory shows as a crash (malloc returned NULL) or an abort near the limit.
        if limitKiB > 0, peakKiB >= limitKiB * 7 / 10, signal != 0 || waitStatus >> 8 != 0 {
            return .memoryLimit(plugin: pluginID, limitMB: limits.memoryMB, peakMB: peakKiB / 1024, during: during)
        }
        if signal == SIGXCPU { return .cpuLimit(plugin: pluginID, seconds: limits.cpuSeconds, during: during) }
        if signal != 0 { return .crashed(plugin: pluginID, signal: signal, during: during) }
        return .exited(plugin: pluginID, code: (waitStatus >> 8) & 0xff, during: during)
    }
}

