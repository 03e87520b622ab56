import AgentHostCore
import AgentHostTestSupport
import Foundation
import Testing

/// Workflows are checked before anything runs, and every problem names its line.
@Suite struct WorkflowValidationTests {
    func problems(_ yaml: String, edit: @escaping @Sendable (String, inout [String: Any]) -> Void = { _, _ in }) throws -> String {
        let (fixture, orchestrator) = try orchestration(edit: edit)
        do {
            _ = try orchestrator.run(try workflow(yaml))
            Issue.record("the workflow ran")
            return ""
        } catch {
            #expect(try fixture.store.tasks().isEmpty, "nothing ran")
            #expect(try fixture.store.runs().isEmpty, "no run was stored")
            return String(describing: error)
        }
    }

    @Test func referencesToUnknownOrLaterStepsAreRefusedWithTheirLines() throws {
        let message = try problems("""
            name: bad
            mode: sequential
            steps:
              - id: first
                capability: fixture.echo
                input: { x: "{{steps.second.result}}" }
              - id: second
                capability: fixture.echo
                input: { y: "{{steps.thrid.result}}" }
            """)
        #expect(message.contains("line 4, step 'first': refers to step 'second', which comes later in a sequential workflow"), "\(message)")
        #expect(message.contains("line 7, step 'second': refers to '{{steps.thrid.result}}', but there is no step 'thrid'"), "\(message)")
    }

    @Test func unknownCapabilitiesAgentsAndCyclesAreRefused() throws {
        let unknown = try problems("""
            name: bad
            mode: plan
            steps:
              - { id: a, capability: fixture.ecko }
              - { id: b, capability: fixture.echo, agents: [test.nobody] }
            """)
        #expect(unknown.contains("no agent declares the capability 'fixture.ecko'; did you mean 'fixture.echo'"), "\(unknown)")
        #expect(unknown.contains("the agent 'test.nobody' is not loaded"), "\(unknown)")

        let cycle = try problems("""
            name: loop
            mode: plan
            steps:
              - { id: a, capability: fixture.echo, needs: [c] }
              - { id: b, capability: fixture.echo, needs: [a] }
              - { id: c, capability: fixture.echo, needs: [b] }
            """)
        #expect(cycle.contains("the steps form a cycle: a -> c -> b -> a") || cycle.contains("the steps form a cycle"), "\(cycle)")
    }

    @Test func aMissingRequiredInputIsRefused() throws {
        let message = try problems("""
            name: missing
            mode: sequential
            steps:
              - { id: a, capability: fixture.echo, input: { y: 1 } }
            """, edit: { _, manifest in
                var capabilities = manifest["capabilities"] as! [[String: Any]]
                for index in capabilities.indices where capabilities[index]["name"] as? String == "fixture.echo" {
                    capabilities[index]["input"] = ["type": "object", "required": ["x"]]
                }
                manifest["capabilities"] = capabilities
            })
        #expect(message.contains("line 4, step 'a': the input does not fit 'fixture.echo': input lacks the required field 'x'"), "\(message)")
    }

    @Test func valuesThatDoNotFitTheDeclaredInputAreRefusedWithTheAllowedOnes() throws {
        let message = try problems("""
            name: typed
            mode: plan
            steps:
              - { id: a, capability: fixture.echo, input: { op: "a summary", n: 0, tag: 7 } }
              - { id: b, capability: fixture.echo, input: { op: "read", n: 3, tag: "{{steps.a.result}}", extra: true } }
              - { id: c, text: "echo it back", input: { op: "shout" } }
            """, edit: { _, manifest in
                var capabilities = manifest["capabilities"] as! [[String: Any]]
                for index in capabilities.indices where capabilities[index]["name"] as? String == "fixture.echo" {
                    capabilities[index]["keywords"] = ["echo"]
                    capabilities[index]["input"] = ["type": "object", "required": ["op"], "additionalProperties": false, "properties": [
                        "op": ["type": "string", "enum": ["read", "write"]], "n": ["type": "integer", "minimum": 1, "maximum": 9],
                        "tag": ["type": "string"], "text": ["type": "string"],
                    ]]
                }
                manifest["capabilities"] = capabilities
            })
        // Every problem at once, each with its line and, for an enum, the allowed values.
        #expect(message.contains(#"line 4, step 'a': the input does not fit 'fixture.echo': input.op is "a summary", which is not allowed; allowed: "read", "write""#), "\(message)")
        #expect(message.contains("line 4, step 'a': the input does not fit 'fixture.echo': input.n is 0, below the minimum 1"), "\(message)")
        #expect(message.contains("line 4, step 'a': the input does not fit 'fixture.echo': input.tag is a number, expected a string"), "\(message)")
        // A reference is any value until it is filled; an undeclared field is refused.
        #expect(!message.contains("input.tag is a string"))
        #expect(message.contains("line 5, step 'b': the input does not fit 'fixture.echo': input has the field 'extra', which the type does not declare"), "\(message)")
        // A free-text step: its words go into the text input, and the rest is checked the same way.
        #expect(message.contains(#"line 6, step 'c': the text routes to capabilities whose input it does not fit: 'fixture.echo': input.op is "shout""#), "\(message)")
    }

    @Test func fileErrorsNameTheLine() throws {
        let cases: [(String, String)] = [
            ("name: x\nmode: sideways\nsteps: []", "line 2: unknown mode 'sideways'"),
            ("name: x\nmode: sequential\nsteps:\n  - id: a\n    capabilty: fixture.echo", "line 5: unknown key 'capabilty' in a step"),
            ("name: x\nmode: hierarchical\nsteps: []", "a hierarchical workflow needs 'aggregate'"),
            ("name: x\nmode: consensus\nconsensus: { capability: c, min_agreement: 1.5 }", "line 3: consensus.min_agreement must be in (0, 1]"),
            ("name: x\nmode: sequential\nsteps:\n  - { id: a, capability: fixture.echo, input: { q: \"{{inputs.nope}}\" } }",
             "'{{inputs.nope}}' names an input the workflow does not declare"),
            ("name: [unclosed", "is not valid YAML"),
        ]
        let (fixture, orchestrator) = try orchestration()
        defer { withExtendedLifetime(fixture) {} }  // its plugins start on first call
        for (yaml, expected) in cases {
            do {
                _ = try orchestrator.run(try workflow(yaml))
                Issue.record("accepted: \(yaml)")
            } catch {
                #expect(String(describing: error).contains(expected), "\(error)")
            }
        }
    }

    @Test func thePolicyRefusesAPlanOverItsLimits() throws {
        var policy = Policy.standard
        policy.orchestration = OrchestrationLimits(maxSteps: 2, maxAgents: 1, maxConcurrency: 4)
        let (fixture, orchestrator) = try orchestration(["test.a": "a", "test.b": "b"], policy: policy)
        do {
            _ = try orchestrator.run(try workflow("""
                name: big
                mode: parallel
                concurrency: 8
                steps:
                  - { id: a, capability: fixture.answer }
                  - { id: b, capability: fixture.answer }
                  - { id: c, capability: fixture.answer }
                """))
            Issue.record("the plan ran")
        } catch {
            let message = String(describing: error)
            #expect(message.contains("refused by policy"))
            #expect(message.contains("3 steps, over the limit of 2 (max_steps)"))
            #expect(message.contains("may use 2 agents (test.a, test.b), over the limit of 1 (max_agents)"))
            #expect(message.contains("concurrency 8, over the limit of 4 (max_concurrency)"))
        }
        #expect(try fixture.store.runs().isEmpty)
    }
}
