import AgentHostCore
import AgentHostTestSupport
import Foundation
import Testing

/// Conversations on real fixture plugins, with their state in a real SQLite file.
@Suite struct ConversationTests {
    /// Agents answering `answers`; `keywords` become their `fixture.answer` keywords.
    func agents(_ answers: [String: String], keywords: [String: [String]] = [:]) throws -> RuntimeFixture {
        try RuntimeFixture(answers.sorted(by: { $0.key < $1.key }).map { id, answer in
            var plugin = FixturePlugin(id: id)
            plugin.defines["FIXTURE_ANSWER"] = FixturePlugin.cString(TestJSON.quoted(answer))  // a reply is JSON
            plugin.editManifest = { manifest in
                var capabilities = manifest["capabilities"] as! [[String: Any]]
                for index in capabilities.indices where capabilities[index]["name"] as? String == "fixture.answer" {
                    capabilities[index]["keywords"] = keywords[id] ?? []
                }
                manifest["capabilities"] = capabilities
            }
            return plugin
        })
    }

    func people(_ ids: String...) -> [Participant] { ids.map { Participant(agent: $0, role: String($0.dropFirst(5)), capability: "fixture.answer") } }

    @Test func roundRobinTakesTurnsAndSingleAgentKeepsOne() throws {
        let fixture = try agents(["test.a": "from a", "test.b": "from b"])
        let manager = ConversationManager(runtime: fixture.runtime)
        let id = try manager.start(strategy: .roundRobin, participants: people("test.a", "test.b"))
        let answers = try (1...3).map { try manager.send(id, message: "message \($0)").answerText }
        #expect(answers == [#""from a""#, #""from b""#, #""from a""#])

        let single = try manager.start(strategy: .singleAgent, participants: people("test.b", "test.a"))
        #expect(try (1...2).map { _ in try manager.send(single, message: "hi").turns.map(\.agent) } == [["test.b"], ["test.b"]])
    }

    @Test func dynamicPicksTheAgentWhoseCapabilitiesFitTheMessage() throws {
        let fixture = try agents(["test.a": "sunny", "test.b": "42"], keywords: ["test.a": ["weather"], "test.b": ["arithmetic", "sum"]])
        let manager = ConversationManager(runtime: fixture.runtime)
        let id = try manager.start(strategy: .dynamic, participants: people("test.a", "test.b"))
        let sum = try manager.send(id, message: "what is the sum of 40 and 2?")
        #expect(sum.turns.map(\.agent) == ["test.b"])
        #expect(sum.turns[0].reason.hasPrefix("dynamic:"))
        #expect(try manager.send(id, message: "and the weather tomorrow?").turns.map(\.agent) == ["test.a"])
        let neither = try manager.send(id, message: "hello there")
        #expect(neither.turns[0].reason.contains("in turn"))
    }

    @Test func collaborativeTurnsSettleDisagreementsAndRecordThem() throws {
        let fixture = try agents(["test.a": "red", "test.b": "blue", "test.c": "blue"])
        let manager = ConversationManager(runtime: fixture.runtime)
        let id = try manager.start(strategy: .collaborative, participants: people("test.a", "test.b", "test.c"))
        let reply = try manager.send(id, message: "what colour?")
        #expect(reply.turns.count == 3)
        #expect(reply.answerText == #""blue""#)
        #expect(reply.conflict?.winner == "test.b")
        let messages = try fixture.store.messages(ofConversation: id)
        #expect(messages.count == 4, "the message and three answers")

        let escalating = try manager.start(strategy: .collaborative, participants: people("test.a", "test.b"),
                                           policy: ConversationPolicy(conflicts: .escalate))
        let escalated = try manager.send(escalating, message: "what colour?")
        #expect(escalated.answer == nil)
        #expect(escalated.conflict?.resolution == .escalate)
    }

    @Test func thePolicyLimitsTurnsRolesAndTime() throws {
        let fixture = try agents(["test.a": "a", "test.b": "b"])
        let manager = ConversationManager(runtime: fixture.runtime)
        let limited = try manager.start(strategy: .roundRobin, participants: people("test.a", "test.b"),
                                        policy: ConversationPolicy(maxTurnsPerAgent: 1))
        _ = try manager.send(limited, message: "one")
        _ = try manager.send(limited, message: "two")
        #expect(throws: ConversationError.self) { try manager.send(limited, message: "three") }
        do {
            _ = try manager.send(limited, message: "three")
        } catch {
            #expect(error.description == "conversation \(limited) is over: every participant has answered 1 times, its policy's limit")
        }

        let roles = ConversationPolicy(allowedRoles: ["user", "a"])
        #expect(throws: ConversationError.self) { try manager.start(strategy: .roundRobin, participants: people("test.a", "test.b"), policy: roles) }
        let allowed = try manager.start(strategy: .roundRobin, participants: people("test.a"), policy: roles)
        do {
            _ = try manager.send(allowed, message: "hi", role: "guest")
            Issue.record("a guest posted")
        } catch {
            #expect(error.description == "the role 'guest' may not take part; the policy allows a, user")
        }

        let brief = try manager.start(strategy: .roundRobin, participants: people("test.a"), policy: ConversationPolicy(timeoutMilliseconds: 30))
        usleep(60_000)
        #expect(throws: ConversationError.self) { try manager.send(brief, message: "too late") }

        #expect(throws: ConversationError.self) {
            try manager.start(strategy: .roundRobin, participants: [Participant(agent: "test.nobody", role: "x")])
        }
    }

    @Test func stateAndSharedContextPersistAndAConversationResumesElsewhere() throws {
        let fixture = try agents(["test.a": "a", "test.b": "b"])
        let first = ConversationManager(runtime: fixture.runtime)
        let participants = [Participant(agent: "test.a", role: "memory", capability: "fixture.remember"),
                            Participant(agent: "test.b", role: "other", capability: "fixture.answer")]
        let id = try first.start(strategy: .roundRobin, participants: participants)
        let reply = try first.send(id, message: "remember me")
        #expect(reply.answerText == #"{"previous":null}"#, "\(reply.turns.first?.error ?? "")")

        // A new manager (as in a new process) takes it up from the store.
        let second = ConversationManager(runtime: fixture.runtime)
        #expect(try fixture.store.sharedContext(scope: "conversation:\(id)").value(for: "last") == Array(#"{"message":"remember me"}"#.utf8))
        #expect(try second.send(id, message: "your turn").turns.map(\.agent) == ["test.b"], "the turn order continues")
        #expect(try second.send(id, message: "and again").answerText == #"{"previous":{"message":"remember me"}}"#,
                "the shared context came back from the store")
        let agents = try fixture.store.agents(ofConversation: id)
        #expect(agents.map(\.agent) == ["test.a", "test.b"])
        #expect(agents.map(\.turns) == [2, 1])
        #expect(agents.allSatisfy { $0.state == "DONE" })
        #expect(try fixture.store.messages(ofConversation: id).map(\.role) == ["user", "memory", "user", "other", "user", "memory"])
    }

    @Test func tenThousandConversationsStayInMemoryTogether() throws {
        let fixture = try agents(["test.a": "a"])
        let manager = ConversationManager(runtime: fixture.runtime)
        let participants = people("test.a")
        for _ in 0..<10_000 { _ = try manager.start(strategy: .roundRobin, participants: participants) }
        #expect(manager.openCount == 10_000)
    }
}
