import AgentHostCore
import AgentHostTestSupport
import Foundation
import Testing

/// Conversations on real fixture plugins, with their state in a real SQLite file.
@Suite struct ConversationTests {
    /// Agents answering `answers`; `keywords` become their `fixture.answer` keywords (and `echo` their
    /// `fixture.echo` keywords); the agents in `mute` take no words: none of their capabilities has a text input.
    func agents(_ answers: [String: String], keywords: [String: [String]] = [:], echo: [String: [String]] = [:],
                mute: Set<String> = []) throws -> RuntimeFixture {
        try RuntimeFixture(answers.sorted(by: { $0.key < $1.key }).map { id, answer in
            var plugin = FixturePlugin(id: id)
            plugin.defines["FIXTURE_ANSWER"] = FixturePlugin.cString(TestJSON.quoted(answer))  // a reply is JSON
            plugin.editManifest = { manifest in
                var capabilities = manifest["capabilities"] as! [[String: Any]]
                for index in capabilities.indices {
                    if capabilities[index]["name"] as? String == "fixture.answer" { capabilities[index]["keywords"] = keywords[id] ?? [] }
                    if capabilities[index]["name"] as? String == "fixture.echo" { capabilities[index]["keywords"] = echo[id] ?? [] }
                    if mute.contains(id) { capabilities[index]["text_input"] = false }
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

        // A message no participant's keywords match goes to nobody: no agent in turn, no turn taken, nothing stored.
        let stored = try fixture.store.messages(ofConversation: id).count
        do {
            _ = try manager.send(id, message: "hello there")
            Issue.record("a message that matches no keyword was answered")
        } catch {
            guard case .noKeywordMatch(let message, let examples) = error else { Issue.record("\(error)"); return }
            #expect(message == "hello there")
            #expect(examples == ["weather (fixture.answer)", "arithmetic, sum (fixture.answer)"])
            #expect(error.description.contains("no participant takes \"hello there\": it holds none of their keywords; words that route: weather"))
        }
        #expect(try fixture.store.messages(ofConversation: id).count == stored)
        #expect(try fixture.store.agents(ofConversation: id).map(\.turns) == [1, 1])
    }

    @Test func eachAnswersWithTheCapabilityTheMessageMatchesItsWordsInTheTextInput() throws {
        let fixture = try agents(["test.a": "a"], keywords: ["test.a": ["answer"]], echo: ["test.a": ["echo", "repeat"]])
        let manager = ConversationManager(runtime: fixture.runtime)
        let id = try manager.start(strategy: .dynamic, participants: [Participant(agent: "test.a", role: "a")])
        let echoed = try manager.send(id, message: "please repeat this")
        #expect(echoed.turns.map(\.capability) == ["fixture.echo"])
        #expect(echoed.answerText == #"{"text":"please repeat this"}"#, "the message alone, in the capability's text input")
        #expect(try manager.send(id, message: "answer me").turns.map(\.capability) == ["fixture.answer"])

        // In turn (and single agent), a message no keyword matches goes to the agent's first capability that takes words.
        let turns = try manager.start(strategy: .roundRobin, participants: [Participant(agent: "test.a", role: "a")])
        let plain = try manager.send(turns, message: "hello")
        #expect(plain.turns.map(\.capability) == ["fixture.echo"])
        #expect(plain.turns[0].reason == "round robin: no keyword matched; 'fixture.echo' is its first capability that takes words")
        #expect(plain.answerText == #"{"text":"hello"}"#)
    }

    @Test func participantsThatTakeNoWordsNeverAnswer() throws {
        let fixture = try agents(["test.a": "a", "test.mute": "m"], keywords: ["test.a": ["colour"], "test.mute": ["colour"]],
                                 mute: ["test.mute"])
        let manager = ConversationManager(runtime: fixture.runtime)
        #expect(manager.defaultParticipants().map(\.agent) == ["test.a"], "a loaded agent that takes no words is left out")
        #expect(!manager.takesWords(Participant(agent: "test.mute", role: "m")))
        #expect(manager.wordCapabilities(of: Participant(agent: "test.mute", role: "m")).isEmpty)
        let participants = [Participant(agent: "test.mute", role: "m"), Participant(agent: "test.a", role: "a")]
        for strategy in TurnStrategy.allCases {
            let id = try manager.start(strategy: strategy, participants: participants)
            for _ in 0..<2 {
                #expect(try manager.send(id, message: "which colour?").turns.map(\.agent) == ["test.a"], "\(strategy)")
            }
        }
        let alone = try manager.start(strategy: .roundRobin, participants: [Participant(agent: "test.mute", role: "m")])
        #expect(throws: ConversationError.self) { try manager.send(alone, message: "which colour?") }
        // Its own input lets an agent whose capabilities take no words answer.
        let given = Participant(agent: "test.mute", role: "m", capability: "fixture.echo", input: .object(["said": .string("{{message}}")]))
        #expect(manager.takesWords(given))
        let own = try manager.start(strategy: .singleAgent, participants: [given])
        #expect(try manager.send(own, message: "hi").answerText == #"{"said":"hi"}"#)
    }

    @Test func collaborativeTurnsAskOnlyTheParticipantsTheMessageMatches() throws {
        let fixture = try agents(["test.a": "sunny", "test.b": "42", "test.c": "42"],
                                 keywords: ["test.a": ["weather"], "test.b": ["sum"], "test.c": ["sum", "arithmetic"]])
        let manager = ConversationManager(runtime: fixture.runtime)
        let id = try manager.start(strategy: .collaborative, participants: people("test.a", "test.b", "test.c"))
        let sum = try manager.send(id, message: "the sum of 40 and 2")
        #expect(sum.turns.map(\.agent) == ["test.b", "test.c"])
        #expect(sum.turns.allSatisfy { $0.status == .completed })
        #expect(sum.answerText == "\"42\"" && sum.conflict == nil)
        #expect(try manager.send(id, message: "weather?").turns.map(\.agent) == ["test.a"])
        #expect(throws: ConversationError.self) { try manager.send(id, message: "hello") }
    }

    @Test func theSummaryAndHistoryComeFromTheStore() throws {
        let fixture = try agents(["test.a": "sunny", "test.b": "42"], keywords: ["test.a": ["weather"], "test.b": ["sum"]])
        let manager = ConversationManager(runtime: fixture.runtime)
        let id = try manager.start(strategy: .dynamic, participants: people("test.a", "test.b"))
        _ = try manager.send(id, message: "weather today?")
        let summary = try manager.summary(id)
        #expect(summary.id == id && summary.strategy == .dynamic && summary.status == "open" && summary.messages == 2)
        #expect(summary.participants.map(\.participant.agent) == ["test.a", "test.b"])
        #expect(summary.participants.map(\.turns) == [1, 0])
        #expect(summary.participants.map(\.state) == ["DONE", "IDLE"])
        let history = try manager.history(id)
        #expect(history.map(\.role) == ["user", "a"])
        #expect(history.map(\.agent) == [nil, "test.a"])
        #expect(history.map(\.status) == [nil, .completed])
        #expect(history.map(\.capability) == [nil, "fixture.answer"])
        #expect(String(decoding: history[1].content, as: UTF8.self) == "\"sunny\"")
        try manager.close(id)
        #expect(try ConversationManager(runtime: fixture.runtime).summary(id).status == "closed", "read from the store by a new manager")
        #expect(throws: ConversationError.self) { try manager.summary(id + 100) }
    }

    @Test func collaborativeTurnsSettleDisagreementsAndRecordThem() throws {
        let colour = ["colour"]
        let fixture = try agents(["test.a": "red", "test.b": "blue", "test.c": "blue"], keywords: ["test.a": colour, "test.b": colour, "test.c": colour])
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
        #expect(try fixture.store.sharedContext(scope: "conversation:\(id)").value(for: "last") == Array(#"{"text":"remember me"}"#.utf8))
        #expect(try second.send(id, message: "your turn").turns.map(\.agent) == ["test.b"], "the turn order continues")
        #expect(try second.send(id, message: "and again").answerText == #"{"previous":{"text":"remember me"}}"#,
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
