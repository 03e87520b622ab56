import AgentHostCore
import AgentHostTestSupport
import Foundation
import Testing

/// Failed or rejected steps go back to the last checkpoint and try the next
/// agent or alternative, within a budget; every attempt is recorded.
@Suite struct BacktrackingTests {
    @Test func aRejectedAnswerIsRetriedOnTheNextAgentAndEveryAttemptIsRecorded() throws {
        let (fixture, orchestrator) = try orchestration(["test.a": "wrong", "test.b": "right"])
        let report = try orchestrator.run(try workflow("""
            name: verified
            mode: plan
            steps:
              - { id: setup, capability: fixture.echo, agents: [test.a], input: { ready: true } }
              - id: answer
                capability: fixture.answer
                needs: [setup]
                agents: [test.a, test.b]
                verify: { capability: fixture.judge }
            """))
        #expect(report.status == .completed, "\(report.error ?? "")")
        #expect(report.text("answer") == #""right""#)
        #expect(report.step("answer")?.agent == "test.b")
        #expect(report.step("answer")?.attempts == 2)
        #expect(report.retries == 1)

        let run = try #require(report.runID)
        let attempts = try fixture.store.attempts(of: run).filter { $0.step == "answer" }
        #expect(attempts.map(\.agent) == ["test.a", "test.b"])
        #expect(attempts.map(\.outcome) == [.rejected, .completed])
        #expect(attempts[0].reason == "the verifier 'fixture.judge' rejected it: the answer says wrong")
        let backtrack = try #require(try fixture.store.events(ofRun: run).first { $0.kind == .backtracked })
        #expect(backtrack.detail.contains("back to checkpoint 1") && backtrack.detail.contains("trying 'test.b'"), "\(backtrack.detail)")
        // The setup step ran once: the retry started from its checkpoint.
        #expect(try fixture.store.tasks(ofRun: run).filter { $0.step == "setup" }.count == 1)
        // The verifier ran in VERIFYING, as a task of its own under the attempt it checked.
        let verifications = try fixture.store.tasks(ofRun: run).filter { $0.origin == .verification }
        #expect(verifications.count == 2 && verifications.allSatisfy { $0.agentState == "DONE" && $0.parentId != nil })
    }

    @Test func aFailedStepFallsBackToADeclaredAlternative() throws {
        let (fixture, orchestrator) = try orchestration()
        let report = try orchestrator.run(try workflow("""
            name: fallback
            mode: sequential
            steps:
              - id: work
                capability: fixture.fail
                input: { job: 1 }
                alternatives: [{ capability: fixture.echo, input: { job: 1, via: alternative } }]
            """))
        #expect(report.status == .completed)
        #expect(report.text("work") == #"{"job":1,"via":"alternative"}"#)
        let run = try #require(report.runID)
        let attempts = try fixture.store.attempts(of: run)
        #expect(attempts.map(\.alternative) == [0, 1])
        #expect(attempts.map(\.outcome) == [.failed, .completed])
    }

    @Test func theRetryBudgetBoundsTheAttempts() throws {
        let (fixture, orchestrator) = try orchestration(["test.a": "x", "test.b": "x", "test.c": "x"], failing: ["test.a", "test.b", "test.c"])
        let report = try orchestrator.run(try workflow("""
            name: budget
            mode: sequential
            retry_budget: 1
            steps:
              - { id: work, capability: fixture.answer, strict: true }
            """))
        #expect(report.status == .failed)
        #expect(report.step("work")?.attempts == 2, "the first attempt and one retry")
        #expect(report.step("work")?.error?.contains("retry budget (1) is spent") == true, "\(report.step("work")?.error ?? "")")
        let run = try #require(report.runID)
        #expect(try fixture.store.attempts(of: run).count == 2)
    }

    @Test func maxAttemptsCyclesThroughTheAgentsAgain() throws {
        let (fixture, orchestrator) = try orchestration(["test.a": "x"], failing: ["test.a"])
        defer { withExtendedLifetime(fixture) {} }  // its plugins start on first call
        let report = try orchestrator.run(try workflow("""
            name: again
            mode: sequential
            steps:
              - { id: work, capability: fixture.answer, max_attempts: 3 }
            """))
        #expect(report.step("work")?.attempts == 3)
        #expect(report.step("work")?.error?.hasPrefix("all 3 attempts failed; the last:") == true)
    }
}
