import Foundation
import GRDB
import Logging

/// Tells the store, every second, that this host is alive, and renews
/// its leases. On this machine a host's liveness is the kernel's word (its
/// pid and start time); the heartbeat is what a host on another machine
/// sharing the store goes by.
// @unchecked: the timer is set once, and a dispatch source may be cancelled from any thread.
final class Heartbeat: @unchecked Sendable {
    // Often enough to date a death: work a killed host left open ends at its last sign of life.
    static let intervalSeconds = 1
    private let timer: any DispatchSourceTimer

    init(writer: DatabasePool, owner: Int64) {
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global(qos: .utility))
        timer.schedule(deadline: .now() + .seconds(Self.intervalSeconds), repeating: .seconds(Self.intervalSeconds), leeway: .milliseconds(200))
        timer.setEventHandler {
            do {
                try writer.write { db in try TaskStore.beat(owner, in: db) }
            } catch {
                Logger(label: "agenthost.store").warning("heartbeat of host \(owner) not written: \(error)")
            }
        }
        timer.resume()
        self.timer = timer
    }

    func stop() { timer.cancel() }
}
