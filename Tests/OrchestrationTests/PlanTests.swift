import AgentHostCore
import AgentHostTestSupport
import Foundation
import Testing

/// The Planner's plans: a graph the host checks, shows and runs with as much parallelism as it allows.
@Suite struct PlanTests {
    @Test func thePlannersGraphIsCheckedAndRunWithIndependentStepsAtOnce() throws {
        let fixture = try RuntimeFixture([], withBundled: true)
        let goal = #"{"goal": "Research the plugin ABI. Research checkpoints"}"#
        let answer = try fixture.runtime.run(TaskRequest(.capability("planner.plan"), payload: Array(goal.utf8), state: .planning))
        #expect(answer.status == .completed, "\(answer.error?.description ?? "")")
        let workflow = try Workflow(plan: try #require(answer.result))
        #expect(workflow.steps.map(\.id) == ["s1", "s2"])
        #expect(workflow.steps.allSatisfy { $0.capability == "knowledge.search" && $0.needs.isEmpty }, "research steps do not wait for each other")
        #expect(workflow.steps[0].input == .object(["query": .string("the plugin ABI")]), "required inputs filled")

        let orchestrator = Orchestrator(runtime: fixture.runtime)
        let plan = try orchestrator.validate(workflow)
        #expect(plan.levels == [["s1", "s2"]])
        let report = try orchestrator.run(workflow)
        #expect(report.status == .completed, "\(report.error ?? "")")
        #expect(report.steps.allSatisfy { $0.status == .completed })
    }

    @Test func aPlanWithACycleAnUnknownCapabilityOrAMissingInputIsRefused() throws {
        let fixture = try RuntimeFixture([], withBundled: true)
        let orchestrator = Orchestrator(runtime: fixture.runtime)
        let cases: [(String, String)] = [
            (#"{"steps":[{"id":"s1","capability":"knowledge.search","input":{"query":"a","root":"."},"needs":["s2"]},"#
             + #"{"id":"s2","capability":"knowledge.search","input":{"query":"b","root":"."},"needs":["s1"]}]}"#,
             "the steps form a cycle"),
            (#"{"steps":[{"id":"s1","capability":"knowledge.serch","input":{}}]}"#, "no agent declares the capability 'knowledge.serch'"),
            (#"{"steps":[{"id":"s1","capability":"knowledge.search","input":{"root":"."}}]}"#,
             "the input does not fit 'knowledge.search': input lacks the required field 'query'"),
            (#"{"steps":[{"id":"s1","capability":"knowledge.search","input":{"query":"q","root":"."},"needs":["s9"]}]}"#,
             "needs 's9', which is not a step of this workflow"),
        ]
        for (json, expected) in cases {
            let workflow = try Workflow(plan: Array(json.utf8))
            #expect(throws: OrchestrationError.self) { try orchestrator.validate(workflow) }
            do {
                _ = try orchestrator.validate(workflow)
            } catch {
                #expect(error.description.contains(expected), "\(error)")
            }
        }
        #expect(throws: JSONValueError.self) { try Workflow(plan: Array("{\"goal\": 1}".utf8)) }
    }
}
