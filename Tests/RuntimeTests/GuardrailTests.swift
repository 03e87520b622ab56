import AgentHostCore
import AgentHostTestSupport
import Foundation
import Testing

@Suite final class GuardrailTests {
    let fixture: RuntimeFixture

    init() throws {
        var policy = Policy.standard
        policy.global.input.personalData = .redact
        policy.global.input.deny = [try DenyPattern("(?i)drop\\s+table")]
        policy.global.output.personalData = .redact
        policy.global.output.validateOutput = true
        var plugin = FixturePlugin(id: "test.rails")
        plugin.editManifest = { manifest in
            var capabilities = manifest["capabilities"] as! [[String: Any]]
            for index in capabilities.indices where capabilities[index]["name"] as? String == "fixture.overlap" {
                capabilities[index]["output"] = ["type": "object", "required": ["answer"]]
            }
            manifest["capabilities"] = capabilities
        }
        fixture = try RuntimeFixture([plugin], policy: policy)
    }

    @Test func aSecretInTheInputTripsAndIsNeverStored() throws {
        let outcome = try fixture.runtime.run(TaskRequest(capability: "fixture.echo", json: #"{"key":"AKIAABCDEFGHIJKLMNOP"}"#))
        #expect(outcome.status == .failed)
        guard case .call(.guardrail(let trip))? = outcome.error else {
            Issue.record("expected a guardrail trip, got \(String(describing: outcome.error))")
            return
        }
        #expect(trip.guardrail == "secrets" && trip.place == .input)
        let task = try #require(try fixture.store.task(id: outcome.id))
        #expect(task.payloadText.isEmpty, "the payload that tripped is withheld from the store")
        #expect(task.error?.contains("AKIAABCDEF") == false)
        #expect(try fixture.store.events(of: outcome.id).contains { $0.kind == .guardrailTripped })
    }

    @Test func personalDataInTheInputIsRedactedBeforeTheAgentAndTheStoreSeeIt() throws {
        let outcome = try fixture.runtime.run(TaskRequest(capability: "fixture.echo", json: #"{"to":"ada@example.org"}"#))
        #expect(outcome.status == .completed)
        #expect(outcome.resultText == #"{"to":"[REDACTED:email]"}"#)
        #expect(try fixture.store.task(id: outcome.id)?.payloadText == #"{"to":"[REDACTED:email]"}"#)
        #expect(try fixture.store.events(of: outcome.id).contains { $0.kind == .guardrailRedacted })
    }

    @Test func outputSecretsAndPersonalDataAreRedacted() throws {
        let outcome = try fixture.runtime.run(TaskRequest(capability: "fixture.leak", json: "{}"))
        #expect(outcome.resultText == #"{"contact":"[REDACTED:email]","key":"[REDACTED:api_key]"}"#)
    }

    @Test func aDenyPatternTrips() throws {
        let outcome = try fixture.runtime.run(TaskRequest(capability: "fixture.echo", json: #"{"q":"DROP  TABLE users"}"#))
        guard case .call(.guardrail(let trip))? = outcome.error else {
            Issue.record("expected a trip")
            return
        }
        #expect(trip.guardrail == "deny")
    }

    @Test func anOutputThatBreaksItsDeclaredTypeTrips() throws {
        let outcome = try fixture.runtime.run(TaskRequest(capability: "fixture.overlap", json: "{}"))
        guard case .call(.guardrail(let trip))? = outcome.error else {
            Issue.record("expected a trip, got \(String(describing: outcome.error))")
            return
        }
        #expect(trip.guardrail == "output_schema")
        #expect(trip.finding.contains("lacks the required field 'answer'"))
    }

    @Test func anInputOverTheSizeLimitTrips() throws {
        let big = "{\"x\":\"" + String(repeating: "a", count: 1 << 20) + "\"}"
        let outcome = try fixture.runtime.run(TaskRequest(capability: "fixture.echo", json: big))
        guard case .call(.guardrail(let trip))? = outcome.error else {
            Issue.record("expected a trip")
            return
        }
        #expect(trip.guardrail == "max_bytes")
    }

    @Test func aPayloadDelegatedThroughTheCallbackIsScreenedToo() throws {
        var policy = Policy.standard
        policy.global.input.deny = [try DenyPattern(#""x":1"#)]
        let delegating = try RuntimeFixture([FixturePlugin(id: "test.delegating")], policy: policy)
        // fixture.callbacks delegates {"x":1} to fixture.echo from inside its own task
        // (the task then fails on its handoff to test.allowed, which is not loaded here).
        let outcome = try delegating.runtime.run(TaskRequest(capability: "fixture.callbacks", json: "{}"))
        let events = try delegating.store.events(of: outcome.id)
        #expect(events.contains { $0.kind == .delegated && $0.detail.contains("'fixture.echo'") && $0.detail.hasSuffix("failed") })
        #expect(events.contains { $0.kind == .guardrailTripped && $0.detail.contains("guardrail 'deny'") })
    }
}
