import AgentHostCore
import AgentHostTestSupport
import Foundation
import Testing

/// The four execution modes, run on real fixture plugins with a real store.
@Suite struct ExecutionModeTests {
    @Test func sequentialStepsUseEarlierResultsAndEachEndIsCheckpointed() throws {
        let (fixture, orchestrator) = try orchestration()
        let report = try orchestrator.run(try workflow("""
            name: chain
            mode: sequential
            steps:
              - id: first
                capability: fixture.echo
                input: { word: "alpha", n: 1 }
              - id: second
                capability: fixture.echo
                input: { previous: "{{steps.first.result}}", said: "first said {{steps.first.result.word}}" }
            """))
        #expect(report.status == .completed, "\(report.error ?? "")")
        #expect(report.text("second") == #"{"previous":{"n":1,"word":"alpha"},"said":"first said alpha"}"#)
        #expect(report.resultText == report.text("second"), "a sequential run's result is its last step's")
        let run = try #require(report.runID)
        let checkpoints = try fixture.store.checkpoints(of: run)
        #expect(checkpoints.map(\.step) == ["first", "second"])
        #expect(checkpoints.map(\.checkpoint) == [1, 2])
        #expect(try fixture.store.run(id: run)?.status == .completed)
        #expect(try fixture.store.tasks(ofRun: run).allSatisfy { $0.status == .completed && $0.origin == .workflow })
    }

    @Test func aStrictFailureStopsTheRunAndANonStrictOneDoesNot() throws {
        let (fixture, orchestrator) = try orchestration()
        defer { withExtendedLifetime(fixture) {} }  // its plugins start on first call
        let lenient = try orchestrator.run(try workflow("""
            name: lenient
            mode: sequential
            steps:
              - { id: one, capability: fixture.fail }
              - { id: two, capability: fixture.echo, input: { ok: true } }
            """))
        #expect(lenient.status == .partial, "a failed step that was not optional: the run did not do all it was asked")
        #expect(lenient.error?.contains("1 of 2 steps completed, 1 failed (one)") == true, "\(lenient.error ?? "")")
        #expect(lenient.step("one")?.status == .failed)
        #expect(lenient.step("one")?.error?.contains("bad input") == true)
        #expect(lenient.step("two")?.status == .completed, "a non-strict failure is recorded and the run goes on")

        let strict = try orchestrator.run(try workflow("""
            name: strict
            mode: sequential
            steps:
              - { id: one, capability: fixture.fail, strict: true }
              - { id: two, capability: fixture.echo }
            """))
        #expect(strict.status == .failed)
        #expect(strict.error?.contains("strict step 'one' failed") == true)
        #expect(strict.step("two")?.status == .skipped)
    }

    @Test func aStepThatNeedsAFailedStepIsSkippedWithTheReason() throws {
        let (fixture, orchestrator) = try orchestration()
        defer { withExtendedLifetime(fixture) {} }  // its plugins start on first call
        let report = try orchestrator.run(try workflow("""
            name: needs
            mode: sequential
            steps:
              - { id: one, capability: fixture.fail }
              - { id: two, capability: fixture.echo, input: { from: "{{steps.one.result}}" } }
            """))
        #expect(report.step("two")?.status == .skipped)
        #expect(report.step("two")?.error == "needs 'one', which failed")
        #expect(report.status == .failed, "no step completed")
    }

    @Test func parallelStepsRunAtOnceWithinTheBoundAndFailuresStayWithTheirStep() throws {
        // In one process, so the fixture can count the calls it has in flight at once.
        var policy = Policy.standard
        var inProcess = PluginPolicy()
        inProcess.isolation = .inProcess
        policy.plugins["test.a"] = inProcess
        let (fixture, orchestrator) = try orchestration(policy: policy)
        defer { withExtendedLifetime(fixture) {} }  // its plugins start on first call
        var steps = (1...6).map { "  - { id: s\($0), capability: fixture.overlap, input: { partner_ms: 2000 } }" }
        steps.append("  - { id: broken, capability: fixture.fail }")
        let report = try orchestrator.run(try workflow("name: fan\nmode: parallel\nconcurrency: 3\nsteps:\n" + steps.joined(separator: "\n")))
        #expect(report.status == .partial)
        #expect(report.step("broken")?.status == .failed)
        let seen = (1...6).compactMap { step -> Int? in
            guard let text = report.text("s\(step)"), case .number(let most)? = try? JSONValue(parsing: Array(text.utf8)).value(at: ["max_in_flight"]) else { return nil }
            return Int(most)
        }
        #expect(seen.count == 6)
        #expect(seen.max()! <= 3, "never more than the bound in flight: \(seen)")
        #expect(seen.max()! >= 2, "steps did overlap: \(seen)")
        let result = try JSONValue(parsing: try #require(report.result))
        #expect(result.value(at: ["s1"]) != nil && result.value(at: ["broken"]) == nil, "the result holds the completed steps")
    }

    @Test func hierarchicalRunsAggregateSubtasksUnderAMainTask() throws {
        let (fixture, orchestrator) = try orchestration()
        func run(_ aggregate: String) throws -> RunReport {
            try orchestrator.run(try workflow("""
                name: build
                mode: hierarchical
                main: "build the package"
                aggregate: \(aggregate)
                steps:
                  - { id: parser, capability: fixture.echo, input: { parts: [parser], owner: ada, config: { a: 1 } } }
                  - { id: storage, capability: fixture.echo, input: { parts: [storage], owner: grace, config: { b: 2 } } }
                """))
        }
        let concat = try run("{ strategy: concat, separator: \" + \" }")
        #expect(concat.resultText == #"{"config":{"a":1},"owner":"ada","parts":["parser"]} + {"config":{"b":2},"owner":"grace","parts":["storage"]}"#)

        let first = try run("{ strategy: merge, conflict: first }")
        #expect(first.resultText == #"{"config":{"a":1,"b":2},"owner":"ada","parts":["parser","storage"]}"#)
        let last = try run("{ strategy: merge, conflict: last }")
        #expect(last.resultText == #"{"config":{"a":1,"b":2},"owner":"grace","parts":["parser","storage"]}"#)
        let strict = try run("merge")
        #expect(strict.status == .failed)
        #expect(strict.error?.contains("merge conflict on 'owner': step 'parser' gave \"ada\", step 'storage' gave \"grace\"") == true,
                "\(strict.error ?? "")")

        // The main task is a task of its own, and the subtasks are its children.
        let firstRun = try #require(first.runID)
        let run = try #require(try fixture.store.run(id: firstRun))
        let main = try #require(run.mainTaskId)
        #expect(try fixture.store.task(id: main)?.status == .completed)
        #expect(try fixture.store.task(id: main)?.resultText == first.resultText)
        #expect(try fixture.store.children(of: main).map(\.step) == ["parser", "storage"])
    }

    @Test func hierarchicalVoteTakesTheMostCommonAnswer() throws {
        let (fixture, orchestrator) = try orchestration(["test.a": "Yes.", "test.b": "yes", "test.c": "no"])
        defer { withExtendedLifetime(fixture) {} }  // its plugins start on first call
        let report = try orchestrator.run(try workflow("""
            name: vote
            mode: hierarchical
            aggregate: { strategy: vote, normalize: text }
            steps:
              - { id: a, capability: fixture.answer, agents: [test.a] }
              - { id: b, capability: fixture.answer, agents: [test.b] }
              - { id: c, capability: fixture.answer, agents: [test.c] }
            """))
        #expect(report.resultText == #""Yes.""#, "normalised, 'Yes.' and 'yes' are one answer; the first spelling is kept")
        #expect(report.vote?.dissenters.map(\.step) == ["c"])
    }

    @Test func consensusReportsTheWinnerAgreementAndDissenters() throws {
        let (fixture, orchestrator) = try orchestration(["test.a": "yes", "test.b": "yes", "test.c": "no"])
        let yaml = """
            name: agree
            mode: consensus
            consensus:
              capability: fixture.answer
              min_agreement: MIN
            """
        let agreed = try orchestrator.run(try workflow(yaml.replacingOccurrences(of: "MIN", with: "0.6")))
        #expect(agreed.status == .completed)
        let vote = try #require(agreed.vote)
        #expect(vote.winner == Array(#""yes""#.utf8))
        #expect(abs(vote.agreement - 2.0 / 3.0) < 0.001)
        #expect(vote.dissenters.map(\.agent) == ["test.c"])
        #expect(agreed.resultText?.contains(#""winner":"yes""#) == true)
        #expect(agreed.resultText?.contains(#""agreement":0.667"#) == true)
        let agreedRun = try #require(agreed.runID)
        #expect(try fixture.store.tasks(ofRun: agreedRun).count == 3, "one task per voter")

        let refused = try orchestrator.run(try workflow(yaml.replacingOccurrences(of: "MIN", with: "0.8")))
        #expect(refused.status == .failed)
        #expect(refused.error?.contains("no consensus: the most common answer has 0.67 agreement, below min_agreement 0.80") == true)
    }

    @Test func consensusCanAskOneAgentSeveralTimes() throws {
        let (fixture, orchestrator) = try orchestration()
        defer { withExtendedLifetime(fixture) {} }  // its plugins start on first call
        let report = try orchestrator.run(try workflow("""
            name: again
            mode: consensus
            consensus: { capability: fixture.answer, agents: [test.a], runs: 3, min_agreement: 1.0 }
            """))
        #expect(report.status == .completed)
        #expect(report.steps.count == 3)
        #expect(report.vote?.agreement == 1.0)
    }

    @Test func anInMemoryRunWritesNothingOfItsOwn() throws {
        let (fixture, orchestrator) = try orchestration()
        let report = try orchestrator.run(try workflow("""
            name: quick
            mode: sequential
            steps:
              - { id: a, capability: fixture.echo, input: { x: 1 } }
              - { id: b, capability: fixture.echo, input: { y: "{{steps.a.result.x}}" } }
            """), options: RunOptions(persistence: .inMemory))
        #expect(report.status == .completed)
        #expect(report.runID == nil)
        #expect(report.resultText == #"{"y":1}"#)
        #expect(try fixture.store.tasks().isEmpty)
        #expect(try fixture.store.runs().isEmpty)
    }
}

extension ExecutionModeTests {
    @Test func aStepWhoseInputCannotBeMadeFailsAndItsDependentsAreSkippedWithTheReason() throws {
        let (fixture, orchestrator) = try orchestration()
        defer { withExtendedLifetime(fixture) {} }  // its plugins start on first call
        let report = try orchestrator.run(try workflow("""
            name: fields
            mode: plan
            steps:
              - { id: a, capability: fixture.echo, input: { x: 1 } }
              - { id: b, capability: fixture.echo, input: { y: "{{steps.a.result.missing}}" } }
              - { id: c, capability: fixture.echo, input: { z: "{{steps.b.result}}" } }
            """))
        #expect(report.step("b")?.status == .failed)
        #expect(report.step("b")?.error == "step 'a' answered JSON without the field 'missing' that '{{steps.a.result.missing}}' names")
        #expect(report.step("c")?.status == .skipped)
        #expect(report.step("c")?.error == "needs 'b', which failed")
    }
}
