import AgentHostChannel
import CAgentHost
import Foundation
import Logging
import Synchronization

/// A plugin that runs in child processes of its own: a small pool of
/// `ChildProcess`es (one for a plugin that is not thread-safe, so its calls
/// stay serialized; up to `limits.processes` for one that is), started on the
/// first call, restarted after a fault with backoff, and quarantined when it
/// keeps failing.
public final class IsolatedPlugin: @unchecked Sendable {
    // @unchecked: the mutable state is guarded by `condition`.

    let manifest: PluginManifest
    let configuration: ChildConfiguration
    var limits: PluginLimits { configuration.limits }
    let maximumChildren: Int
    /// The table the plugin's callbacks are answered through; the same
    /// functions answer in-process plugins.
    let hostTable: UnsafeMutablePointer<ah_host>
    private let logger: Logger

    private let condition = NSCondition()
    private var idle: [ChildProcess] = []
    private var running = 0
    private var protections: IsolationProtections?
    private var refusal: PluginLoadError?
    private var recentFaults: [Int64] = []
    private var notBefore: Int64 = 0
    /// A fault ended the last process: the next start is a restart.
    private var faulted = false
    private var quarantinedUntil: Int64 = 0
    private var lastFault: PluginFault?

    /// Faults within this window count toward quarantine.
    static let faultWindowNanoseconds: Int64 = 60_000_000_000
    public static let faultsBeforeQuarantine = 3
    static let quarantineNanoseconds: Int64 = 30_000_000_000

    init(manifest: PluginManifest, configuration: ChildConfiguration, hostTable: UnsafeMutablePointer<ah_host>) {
        self.manifest = manifest
        self.configuration = configuration
        self.hostTable = hostTable
        logger = Logger(label: "agenthost.plugin.\(manifest.id)")
        let cores = ProcessInfo.processInfo.activeProcessorCount
        maximumChildren = manifest.threadSafe ? (configuration.limits.processes > 0 ? configuration.limits.processes : max(2, cores)) : 1
        Self.all.withLock { $0.append(WeakPlugin(value: self)) }
    }

    // MARK: - State

    /// Whether calls may go to this plugin now (not refused, not quarantined).
    var isAvailable: Bool {
        condition.lock()
        defer { condition.unlock() }
        return refusal == nil && WallClock.nanoseconds() >= quarantinedUntil
    }

    /// What the child reported it could enforce, once one has started.
    var reportedProtections: IsolationProtections? {
        condition.lock()
        defer { condition.unlock() }
        return protections
    }

    /// Starts a child if none has run yet, so the binary is checked against
    /// the manifest; the refusal, if any. For `plugins check` and `info`.
    func prepare() -> Result<IsolationProtections, PluginFault> {
        do throws(PluginFault) {
            let child = try acquire(beyondLimit: false, deadline: 0, cancelled: { false })
            release(child, healthy: true)
            return .success(reportedProtections ?? IsolationProtections(bits: 0, landlockABI: nil))
        } catch {
            return .failure(error)
        }
    }

    // MARK: - Calls

    /// One agent call in a child.
    func invoke(_ request: [UInt8], call: ActiveCall, capability: String) -> Result<(AgentStatus, [UInt8]), PluginFault> {
        do throws(PluginFault) {
            let child = try acquire(beyondLimit: call.parent?.chainContains(call.plugin) == true, deadline: call.deadlineNanoseconds,
                                    cancelled: { call.isCancelled })
            call.servingChild.withLock { $0 = child }
            defer { call.servingChild.withLock { $0 = nil } }
            do throws(PluginFault) {
                let reply = try child.call(request, for: call, host: hostTable, limits: limits, during: "'\(capability)'")
                release(child, healthy: true)
                return .success(reply)
            } catch {
                release(child, healthy: false)
                record(error)
                return .failure(error)
            }
        } catch {
            return .failure(error)
        }
    }

    /// A typed tool, run in the child serving `call` when the plugin asked
    /// for it through `call_tool`, otherwise in any child.
    func callTool(_ tool: TypedTool, arguments: [ToolValue], within call: ActiveCall?) throws(ToolCallError) -> ToolValue {
        let frame = Self.toolRequest(tool, arguments: arguments)
        let during = "tool '\(tool.name)'"
        let reply: [UInt8]
        do throws(PluginFault) {
            if let call, let child = call.servingChild.withLock({ $0 }) {
                reply = try child.callTool(frame, within: call, host: hostTable, limits: limits, during: during)
            } else {
                let child = try acquire(beyondLimit: false, deadline: 0, cancelled: { false })
                do throws(PluginFault) {
                    reply = try child.callTool(frame, within: nil, host: hostTable, limits: limits, during: during)
                    release(child, healthy: true)
                } catch {
                    release(child, healthy: false)
                    record(error)
                    throw error
                }
            }
        } catch {
            throw .pluginFault(error)
        }
        var reader = WireReader(reply)
        let status = reader.u64(), type = reader.u64()
        let value: ToolValue
        switch type {
        case UInt64(AHC_VALUE_I32.rawValue): value = .i32(Int32(truncatingIfNeeded: Int64(bitPattern: reader.u64())))
        case UInt64(AHC_VALUE_I64.rawValue): value = .i64(Int64(bitPattern: reader.u64()))
        case UInt64(AHC_VALUE_F64.rawValue): value = .f64(Double(bitPattern: reader.u64()))
        case UInt64(AHC_VALUE_BOOL.rawValue): value = .bool(reader.u64() != 0)
        case UInt64(AHC_VALUE_STR.rawValue): value = .str(String(decoding: reader.data(limit: Int(AH_MAX_PAYLOAD_BYTES)), as: UTF8.self))
        default: _ = reader.u64(); value = .void
        }
        // The result must be of the type the signature declares.
        guard status != 0 || value.type == tool.signature.result else {
            throw .pluginFault(.protocolViolation(plugin: manifest.id, problem: "a tool result of the wrong type"))
        }
        guard !reader.failed else { throw .pluginFault(.protocolViolation(plugin: manifest.id, problem: "a malformed tool reply")) }
        switch status {
        case 0: return value
        case 1: throw .nullResult(tool: tool.name)
        case 2: throw .unknownTool(plugin: manifest.id, tool: tool.name, known: manifest.tools.map(\.name))
        default: throw .badArguments(tool: tool.name, problem: "the plugin's process could not pass these arguments")
        }
    }

    /// AHC_TOOL for `arguments`, already checked against the signature; an
    /// i32 for an i64 parameter is widened, as the native path does.
    private static func toolRequest(_ tool: TypedTool, arguments: [ToolValue]) -> [UInt8] {
        var writer = WireWriter()
        writer.str(tool.name)
        writer.u64(UInt64(arguments.count))
        for (type, argument) in zip(tool.signature.parameters, arguments) {
            switch argument {
            case .void: writer.u64(UInt64(AHC_VALUE_VOID.rawValue)); writer.u64(0)
            case .i32(let v) where type == .i64: writer.u64(UInt64(AHC_VALUE_I64.rawValue)); writer.u64(UInt64(bitPattern: Int64(v)))
            case .i32(let v): writer.u64(UInt64(AHC_VALUE_I32.rawValue)); writer.u64(UInt64(bitPattern: Int64(v)))
            case .i64(let v): writer.u64(UInt64(AHC_VALUE_I64.rawValue)); writer.u64(UInt64(bitPattern: v))
            case .f64(let v): writer.u64(UInt64(AHC_VALUE_F64.rawValue)); writer.u64(v.bitPattern)
            case .bool(let v): writer.u64(UInt64(AHC_VALUE_BOOL.rawValue)); writer.u64(v ? 1 : 0)
            case .str(let v): writer.u64(UInt64(AHC_VALUE_STR.rawValue)); writer.str(v)
            }
        }
        return writer.frame(AHC_TOOL)
    }

    // MARK: - The pool

    /// How long a caller without a deadline waits for a free process.
    static let acquireTimeoutNanoseconds: Int64 = 30_000_000_000

    /// An idle child, or a new one; waits while every allowed child is busy,
    /// until `deadline` (or 30 s without one) or until `cancelled`, so two
    /// plugins delegating to each other cannot wait forever. `beyondLimit`
    /// lets a call that this plugin delegated to itself start one more child
    /// instead of waiting for its own.
    private func acquire(beyondLimit: Bool, deadline: Int64, cancelled: () -> Bool) throws(PluginFault) -> ChildProcess {
        let giveUp = deadline != 0 ? deadline : WallClock.nanoseconds() + Self.acquireTimeoutNanoseconds
        condition.lock()
        while true {
            if let refusal {
                condition.unlock()
                throw .refused(refusal)
            }
            let now = WallClock.nanoseconds()
            if now < quarantinedUntil {
                let left = Int((quarantinedUntil - now) / 1_000_000_000) + 1
                let last = lastFault?.description ?? "unknown"
                condition.unlock()
                throw .quarantined(plugin: manifest.id, secondsLeft: left, lastFault: last)
            }
            if let child = idle.popLast() {
                guard child.endedWhileIdle else {
                    condition.unlock()
                    return child
                }
                // One that died while idle is replaced, and counts as a fault
                // (a plugin that dies after every reply still backs off); it is
                // reaped outside the lock, which the router reads too.
                running -= 1
                condition.unlock()
                let fault = child.endedByItself(during: "an idle wait", limits: limits)
                logger.warning("its idle process ended by itself; starting another", metadata: ["pid": "\(child.pid)"])
                record(fault)
                condition.lock()
                continue
            }
            if running < maximumChildren || beyondLimit { break }
            if now >= giveUp || cancelled() {
                condition.unlock()
                if cancelled() { throw .cancelled(plugin: manifest.id, graceMilliseconds: 0, during: "the wait for a free process") }
                if deadline != 0 { throw .deadline(plugin: manifest.id, graceMilliseconds: 0, during: "the wait for a free process") }
                throw .busy(plugin: manifest.id, seconds: Int(Self.acquireTimeoutNanoseconds / 1_000_000_000))
            }
            _ = condition.wait(until: Date(timeIntervalSinceNow: min(Double(giveUp - now) / 1e9, 0.05)))
        }
        running += 1
        let wait = notBefore - WallClock.nanoseconds()
        condition.unlock()
        // Backoff after a fault: a plugin that crashes at once is not restarted in a tight loop.
        if wait > 0 { usleep(UInt32(min(wait / 1000, 2_000_000))) }
        do throws(PluginFault) {
            // A crash, exit or hang in init counts as a fault like any other
            // (backoff, then quarantine): it may pass. What the child refuses
            // by its report (init's own error, a wrong ABI) is final.
            let (child, hello) = try ChildProcess.start(configuration)
            switch hello.outcome {
            case .refused(let reason):
                child.stop()
                throw PluginFault.refused(PluginLoadError(pluginID: manifest.id, location: configuration.binaryPath, reason: reason))
            case .loaded(let binary):
                if let problem = binary.problem(with: manifest) {
                    child.stop()
                    throw PluginFault.refused(PluginLoadError(pluginID: manifest.id, location: configuration.binaryPath, reason: problem))
                }
            }
            condition.lock()
            protections = hello.protections
            let restarted = faulted
            faulted = false
            condition.unlock()
            if restarted { HostMetrics.shared.pluginRestarted(agent: manifest.id) }
            logger.debug("started its process", metadata: ["pid": "\(child.pid)", "protections": "\(hello.protections)"])
            return child
        } catch {
            condition.lock()
            running -= 1
            condition.signal()
            condition.unlock()
            if case .refused(let load) = error {
                condition.lock()
                refusal = load
                condition.broadcast()
                condition.unlock()
                logger.error("refused: \(load)")
            } else {
                record(error)
            }
            throw error
        }
    }

    private func release(_ child: ChildProcess, healthy: Bool) {
        condition.lock()
        if healthy {
            idle.append(child)
        } else {
            running -= 1
        }
        condition.signal()
        condition.unlock()
    }

    /// Counts a fault toward backoff and quarantine.
    private func record(_ fault: PluginFault) {
        guard fault.countsAsFailure else { return }
        logger.error("\(fault)")
        condition.lock()
        defer { condition.unlock() }
        let now = WallClock.nanoseconds()
        lastFault = fault
        faulted = true
        recentFaults = recentFaults.filter { now - $0 < Self.faultWindowNanoseconds } + [now]
        // By the faults of the last minute, not since the last good reply: a
        // plugin that dies right after every reply backs off too. The first
        // restart is at once, then 50, 100, 200 ms ... up to 2 s.
        let recent = recentFaults.count
        notBefore = recent <= 1 ? 0 : now + min(Int64(50_000_000) << Int64(min(recent - 2, 6)), 2_000_000_000)
        if recentFaults.count >= Self.faultsBeforeQuarantine {
            quarantinedUntil = now + Self.quarantineNanoseconds
            recentFaults.removeAll()
            logger.error("quarantined for \(Self.quarantineNanoseconds / 1_000_000_000) s after \(Self.faultsBeforeQuarantine) faults in a minute")
        }
        condition.broadcast()
    }

    // MARK: - Shutdown

    private struct WeakPlugin: @unchecked Sendable {
        weak var value: IsolatedPlugin?
    }

    private static let all = Mutex<[WeakPlugin]>([])

    /// De-initialises and stops every idle child of every isolated plugin.
    static func shutdownAll() {
        let plugins = all.withLock { list in
            defer { list.removeAll() }
            return list.compactMap(\.value)
        }
        for plugin in plugins { plugin.shutdown() }
    }

    func shutdown() {
        condition.lock()
        let children = idle
        idle.removeAll()
        running -= children.count
        condition.unlock()
        for child in children { child.shutdown() }
    }
}
