import AgentHostCore
import AgentHostTestSupport
import Foundation
import Synchronization
import Testing

/// A plugin that is not thread-safe is never entered by two threads at once;
/// a thread-safe one is called concurrently.
@Suite struct ThreadingTests {
    /// Calls `fixture.overlap` from `threads` threads at once and returns the
    /// most calls the plugin saw in flight together.
    func maximumOverlap(threadSafe: Bool, threads: Int = 8, callsPerThread: Int = 6) throws -> Int {
        var fixture = FixturePlugin(id: threadSafe ? "test.parallel" : "test.serial")
        fixture.threadSafe = threadSafe
        let (registry, folder) = try load(fixture)
        defer { folder.remove() }
        let host = AgentHost(registry: registry)
        let start = DispatchSemaphore(value: 0), done = DispatchGroup()
        for _ in 0..<threads {
            done.enter()
            Thread {
                start.wait()
                for _ in 0..<callsPerThread { _ = try? host.call("fixture.overlap", json: "{}") }
                done.leave()
            }.start()
        }
        for _ in 0..<threads { start.signal() }
        done.wait()
        let response = try host.call("fixture.overlap", json: "{}")
        let result = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        return try #require(result?["max_in_flight"] as? Int)
    }

    @Test func aPluginThatIsNotThreadSafeIsNeverEnteredTwice() throws {
        #expect(try maximumOverlap(threadSafe: false) == 1)
    }

    @Test func aThreadSafePluginIsCalledConcurrently() throws {
        #expect(try maximumOverlap(threadSafe: true) > 1)
    }

    /// Isolated, a thread-safe plugin gets calls at once (in several
    /// processes): two calls that wait for each other meet.
    @Test func anIsolatedThreadSafePluginIsCalledConcurrently() throws {
        let (registry, folder) = try load(FixturePlugin(id: "test.isolated-parallel"), isolation: .process)
        defer { folder.remove() }
        let host = AgentHost(registry: registry)
        let met = Mutex<[Bool]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            let payload = index == 0 ? #"{"me":"a","partner":"b"}"# : #"{"me":"b","partner":"a"}"#
            let body = (try? host.call("fixture.rendezvous", json: payload))?.text ?? ""
            met.withLock { $0.append(body == #"{"met":true}"#) }
        }
        #expect(met.withLock { $0 } == [true, true])
    }

    /// Isolated, a plugin that is not thread-safe has one process and its
    /// calls still never overlap.
    @Test func anIsolatedSerialPluginIsNeverEnteredTwice() throws {
        var fixture = FixturePlugin(id: "test.isolated-serial")
        fixture.threadSafe = false
        let (registry, folder) = try load(fixture, isolation: .process)
        defer { folder.remove() }
        let host = AgentHost(registry: registry)
        DispatchQueue.concurrentPerform(iterations: 6) { _ in _ = try? host.call("fixture.overlap", json: "{}") }
        let result = try JSONSerialization.jsonObject(with: Data(try host.call("fixture.overlap", json: "{}").body)) as? [String: Any]
        #expect(result?["max_in_flight"] as? Int == 1)
    }

    @Test func typedToolsOfASerialPluginGoThroughTheSameGate() throws {
        var fixture = FixturePlugin(id: "test.serial-tools")
        fixture.threadSafe = false
        let (registry, folder) = try load(fixture)
        defer { folder.remove() }
        let add = try AgentHost(registry: registry).tool("add", of: "test.serial-tools")
        DispatchQueue.concurrentPerform(iterations: 200) { index in
            #expect((try? add.call([.i64(Int64(index)), .i64(1)], in: .executing)) == .i64(Int64(index) + 1))
        }
    }
}
