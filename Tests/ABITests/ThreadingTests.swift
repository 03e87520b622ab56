import AgentHostCore
import AgentHostTestSupport
import Foundation
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
