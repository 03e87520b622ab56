import AgentHostCore
import Foundation
import Synchronization

/// What a command that runs work holds for its life: the host whose calls
/// a signal cancels and the store it owns work in.
///
/// SIGINT or SIGTERM cancels every running call (plugins see
/// `is_cancelled`, their programs are stopped), so tasks and runs end as
/// `cancelled` and can be resumed; the command then exits 130 or 143. A
/// second signal, or a call that ignores cancellation for 10 s, stops the
/// process at once, after its open work is written as cancelled.
enum HostSession {
    /// What runs when the first signal comes, instead of waiting for the
    /// work to end (e.g. `chat`, which waits on the terminal). It may exit.
    typealias StopHook = @Sendable (_ signal: Int32) -> Void

    private struct State: @unchecked Sendable {
        // @unchecked: dispatch sources are thread-safe; they are kept only so they stay alive.
        var host: AgentHost?
        var store: TaskStore?
        var signal: Int32?
        var hook: StopHook?
        var sources: [any DispatchSourceSignal] = []
    }

    private static let state = Mutex(State())
    /// How long cancelled work may take to end before the process stops anyway.
    static let graceSeconds = 10

    /// Starts handling SIGINT and SIGTERM for `host`, whose work is written to `store`.
    static func begin(host: AgentHost, store: TaskStore) {
        state.withLock { state in
            state.host = host
            state.store = store
            guard state.sources.isEmpty else { return }
            for number in [SIGINT, SIGTERM] {
                // The signal is taken from the kernel's default action, then delivered to a queue, not to a signal handler.
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global(qos: .userInitiated))
                source.setEventHandler { received(number) }
                source.resume()
                state.sources.append(source)
            }
        }
    }

    /// Sets what the first signal does besides cancelling the host's calls.
    static func onStop(_ hook: @escaping StopHook) { state.withLock { $0.hook = hook } }

    /// 128 + the signal that stopped the command, if one did.
    static var signalExitCode: Int32? { state.withLock { $0.signal.map { 128 + $0 } } }

    /// Ends this process's ownership in the store: called once the command is done.
    static func end() {
        let store = state.withLock { $0.store }
        do {
            try store?.close()
        } catch {
            FileHandle.standardError.write(Data("agenthost: could not record that this host ended: \(error)\n".utf8))
        }
    }

    private static func received(_ number: Int32) {
        let (first, host, hook) = state.withLock { state -> (Bool, AgentHost?, StopHook?) in
            let first = state.signal == nil
            if first { state.signal = number }
            return (first, state.host, state.hook)
        }
        guard first else { stopNow(number, because: "a second signal") }
        // A hook says what it does itself (e.g. chat, which saves the conversation and ends).
        if hook == nil { say("\(name(number)): cancelling the running work; press Ctrl-C again to stop at once") }
        host?.stop()
        hook?(number)
        DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(graceSeconds)) {
            stopNow(number, because: "the work did not end within \(graceSeconds) s of \(name(number))")
        }
    }

    /// Writes the open work of this host as cancelled and exits, without waiting for calls still running.
    /// Without a `reason`, it says nothing unless work was cut short.
    static func stopNow(_ number: Int32, because reason: String?) -> Never {
        TraceExporter.finish(timeout: .seconds(1))
        let store = state.withLock { $0.store }
        let why = reason.map { " (\($0))" } ?? ""
        do {
            if let closed = try store?.close(openWorkAs: .cancelled, reason: "stopped by \(name(number))"), !closed.isEmpty {
                say("stopped at once\(why): \(closed.tasks) task(s), \(closed.runs) run(s), \(closed.conversations) conversation(s) "
                    + "recorded as cancelled; `agenthost runs list` shows what to resume")
            } else if let reason {
                say("stopped at once (\(reason))")
            }
        } catch {
            say("stopped at once\(why); the store could not record it (\(error)): the next host marks the work interrupted")
        }
        _exit(128 + number)
    }

    private static func name(_ number: Int32) -> String { number == SIGINT ? "SIGINT" : number == SIGTERM ? "SIGTERM" : "signal \(number)" }

    private static func say(_ line: String) { FileHandle.standardError.write(Data("agenthost: \(line)\n".utf8)) }
}
