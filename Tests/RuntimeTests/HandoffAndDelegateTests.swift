import AgentHostCore
import AgentHostTestSupport
import Foundation
import Testing

/// Handoffs between real fixture plugins, and DELEGATE actions in replies.
@Suite struct HandoffAndDelegateTests {
    /// A fixture that hands `fixture.handoff` to `peer`, declaring `declared`
    /// (target ids), with `filter` as the context keys of the first target.
    func agent(_ id: String, peer: String?, declared: [String], filter: [String]? = nil) -> FixturePlugin {
        var plugin = FixturePlugin(id: id)
        if let peer { plugin.defines["FIXTURE_PEER"] = "\"\(peer)\"" }
        plugin.editManifest = { manifest in
            manifest["handoffs"] = declared.map { target -> Any in
                guard let filter else { return target }
                return ["target": target, "context": filter]
            }
        }
        return plugin
    }

    @Test func aHandoffRunsTheTargetWithTheFilteredContextAndIsRecorded() throws {
        let fixture = try RuntimeFixture([
            agent("test.first", peer: "test.last", declared: ["test.last"], filter: ["hop", "keep"]),
            agent("test.last", peer: nil, declared: []),
        ])
        var request = TaskRequest(capability: "fixture.handoff", json: #"{"hop":0}"#)
        request.agents = ["test.first"]
        let outcome = try fixture.runtime.run(request)
        #expect(outcome.status == .completed, "\(String(describing: outcome.error))")
        #expect(outcome.agent == "test.first")
        #expect(outcome.resultText == #"{"hop":1,"keep":"k"}"#, "the secret key is filtered out")
        let child = try #require(outcome.children.first)
        #expect(child.agent == "test.last")
        let stored = try #require(try fixture.store.task(id: child.id))
        #expect(stored.parentId == outcome.id && stored.origin == .handoff)
        #expect(try fixture.store.events(of: outcome.id).contains { $0.kind == .handoff && $0.detail.contains("test.last") })
    }

    @Test func aCycleStopsAtTheDepthLimitWithAClearError() throws {
        var policy = Policy.standard
        policy.handoffDepthLimit = 3
        let fixture = try RuntimeFixture([
            agent("test.ping", peer: "test.pong", declared: ["test.pong"]),
            agent("test.pong", peer: "test.ping", declared: ["test.ping"]),
        ], policy: policy)
        var request = TaskRequest(capability: "fixture.handoff", json: #"{"hop":0}"#)
        request.agents = ["test.ping"]
        let outcome = try fixture.runtime.run(request)
        #expect(outcome.status == .failed)
        let text = outcome.error?.description ?? ""
        #expect(text.contains("test.ping -> test.pong -> test.ping -> test.pong -> test.ping"), "\(text)")
        #expect(text.contains("depth limit of 3") && text.contains("a cycle between test.ping and test.pong"))
    }

    @Test func theSameContextHandedBackIsACycleAtOnce() throws {
        let fixture = try RuntimeFixture([
            agent("test.ping", peer: "test.pong", declared: ["test.pong"]),
            agent("test.pong", peer: "test.ping", declared: ["test.ping"]),
        ])
        var request = TaskRequest(capability: "fixture.handoff", json: #"{"same":1}"#)
        request.agents = ["test.ping"]
        let outcome = try fixture.runtime.run(request)
        #expect(outcome.status == .failed)
        #expect(outcome.error?.description.contains("handoff cycle test.ping -> test.pong -> test.ping") == true)
    }

    @Test func anUndeclaredHandoffIsRefusedAndRecorded() throws {
        let fixture = try RuntimeFixture([
            agent("test.sneaky", peer: "test.other", declared: []),
            agent("test.other", peer: nil, declared: []),
        ])
        var request = TaskRequest(capability: "fixture.handoff", json: #"{"hop":0}"#)
        request.agents = ["test.sneaky"]
        let outcome = try fixture.runtime.run(request)
        #expect(outcome.status == .completed)
        #expect(outcome.resultText == #"{"handoff_status":\#(AgentStatus.denied.rawValue)}"#)
        #expect(outcome.children.isEmpty)
        let refused = try fixture.store.events(of: outcome.id).filter { $0.kind == .handoffRefused }
        #expect(refused.count == 1 && refused[0].detail.contains("may not hand off to 'test.other'"))
    }

    // MARK: - DELEGATE

    func delegating() throws -> RuntimeFixture {
        var plugin = FixturePlugin(id: "test.worker")
        plugin.editManifest = { manifest in
            var capabilities = manifest["capabilities"] as! [[String: Any]]
            for index in capabilities.indices where capabilities[index]["name"] as? String == "fixture.echo" {
                capabilities[index]["keywords"] = ["echo", "repeat"]
            }
            manifest["capabilities"] = capabilities
        }
        return try RuntimeFixture([plugin])
    }

    @Test func delegateActionsInATextReplyBecomeChildTasks() throws {
        let fixture = try delegating()
        let reply = "Two things.\nACTION: DELEGATE\nAGENT_TYPE: worker\nTASK: repeat this\n---END---\n"
            + "ACTION: DELEGATE\nAGENT_TYPE: fixture\nTASK: echo that\n---END---\n"
        let outcome = try fixture.runtime.run(TaskRequest(.capability("fixture.echo"), payload: Array(reply.utf8)))
        #expect(outcome.status == .completed)
        #expect(outcome.children.count == 2)
        #expect(outcome.children.allSatisfy { $0.status == .completed && $0.capability == "fixture.echo" })
        let child = try #require(try fixture.store.task(id: outcome.children[0].id))
        #expect(child.origin == .delegated && child.parentId == outcome.id)
        #expect(child.payloadText == #"{"text":"repeat this"}"#)
    }

    @Test func aDelegateTaskNoCapabilityOfItsTypeCanTakeFailsBeforeAnyRuns() throws {
        var plugin = FixturePlugin(id: "test.worker")
        plugin.editManifest = { manifest in
            var capabilities = manifest["capabilities"] as! [[String: Any]]
            for index in capabilities.indices {
                // Only fixture.echo takes words, and it needs a field the words cannot give.
                capabilities[index]["text_input"] = capabilities[index]["name"] as? String == "fixture.echo" ? "text" : false
                if capabilities[index]["name"] as? String == "fixture.echo" {
                    capabilities[index]["input"] = ["type": "object", "required": ["text", "mode"],
                                                    "properties": ["text": ["type": "string"], "mode": ["type": "string"]]]
                }
            }
            manifest["capabilities"] = capabilities
        }
        let fixture = try RuntimeFixture([plugin])
        let message = "ACTION: DELEGATE\nAGENT_TYPE: worker\nTASK: repeat this\n---END---\n"
        #expect {
            try fixture.runtime.runDelegations(in: message)
        } throws: { error in
            "\(error)".contains("DELEGATE action, line 3: 'fixture.echo' cannot take this TASK alone: input lacks the required field 'mode'")
        }
        #expect(try fixture.store.tasks(status: .completed).isEmpty && fixture.store.tasks(status: .failed).isEmpty, "nothing ran")
    }

    @Test func aDelegateToATypeThatTakesNoWordsSaysSo() throws {
        var plugin = FixturePlugin(id: "test.worker")
        plugin.editManifest = { manifest in
            var capabilities = manifest["capabilities"] as! [[String: Any]]
            for index in capabilities.indices { capabilities[index]["text_input"] = false }
            manifest["capabilities"] = capabilities
        }
        let fixture = try RuntimeFixture([plugin])
        #expect {
            try fixture.runtime.runDelegations(in: "Prose.\nACTION: DELEGATE\nAGENT_TYPE: worker\nTASK: echo this\n---END---\n")
        } throws: { error in
            "\(error)".contains("DELEGATE action, line 3: agent type 'worker' has no capability that takes a task in words (fixture.answer, ")
        }
    }

    @Test func aMalformedOrUnknownDelegateFailsWithTheLine() throws {
        let fixture = try delegating()
        let missing = "ACTION: DELEGATE\nAGENT_TYPE: worker\n---END---\n"
        let first = try fixture.runtime.run(TaskRequest(.capability("fixture.echo"), payload: Array(missing.utf8)))
        #expect(first.status == .failed)
        #expect(first.error?.description == "DELEGATE action, line 3: the block that starts on line 1 has no TASK")
        let unknown = "ACTION: DELEGATE\nAGENT_TYPE: wrker\nTASK: repeat\n---END---\n"
        let second = try fixture.runtime.run(TaskRequest(.capability("fixture.echo"), payload: Array(unknown.utf8)))
        #expect(second.error?.description.contains("line 2: unknown agent type 'wrker' (did you mean 'worker'?)") == true)
        #expect(second.children.isEmpty)
    }

    @Test func delegateIsAllowedInExecutingOnly() throws {
        let fixture = try delegating()
        let reply = "ACTION: DELEGATE\nAGENT_TYPE: worker\nTASK: repeat\n---END---\n"
        let outcome = try fixture.runtime.run(TaskRequest(.capability("fixture.echo"), payload: Array(reply.utf8), state: .verifying))
        #expect(outcome.status == .failed)
        #expect(outcome.error?.description.contains("DELEGATE is allowed in EXECUTING only") == true)
    }
}
