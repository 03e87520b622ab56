import AgentHostModels
import Foundation
import Testing

/// Backoff and `Retry-After` reading, as pure functions of their inputs.
@Suite struct ModelRetryPolicyTests {
    let policy = ModelRetryPolicy()
    /// Sun, 06 Nov 1994 08:49:37 GMT, RFC 9110's example date.
    let exampleDate = Date(timeIntervalSince1970: 784_111_777)

    @Test func retryAfterInSeconds() {
        #expect(policy.requestedWait(retryAfter: "1") == .seconds(1))
        #expect(policy.requestedWait(retryAfter: " 0 ") == .zero)
        #expect(policy.requestedWait(retryAfter: "2.5") == .milliseconds(2500))
        #expect(policy.requestedWait(retryAfter: "3600") == .seconds(60))  // capped
    }

    @Test func retryAfterMillisecondsComesFirst() {
        #expect(policy.requestedWait(retryAfter: "20", retryAfterMilliseconds: "150") == .milliseconds(150))
    }

    @Test(arguments: ["Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"])
    func retryAfterAsAnHTTPDate(text: String) {
        let now = exampleDate.addingTimeInterval(-7)
        #expect(policy.requestedWait(retryAfter: text, now: now) == .seconds(7))
    }

    @Test func pastDateAsksForNoWaitAndFarDateIsCapped() {
        #expect(policy.requestedWait(retryAfter: "Sun, 06 Nov 1994 08:49:37 GMT", now: exampleDate.addingTimeInterval(5)) == .zero)
        #expect(policy.requestedWait(retryAfter: "Sun, 06 Nov 1994 08:49:37 GMT", now: exampleDate.addingTimeInterval(-3600)) == .seconds(60))
    }

    @Test(arguments: [nil, "", "soon", "-1", "Sun, 32 Foo 1994 08:49:37 GMT"])
    func unreadableRetryAfterIsNone(text: String?) {
        #expect(policy.requestedWait(retryAfter: text) == nil)
    }

    @Test func backoffDoublesWithinJitterUpToTheCap() {
        for retry in 0..<8 {
            let nominal = min(0.5 * pow(2, Double(retry)), 20)
            for _ in 0..<20 {
                let wait = policy.backoff(beforeRetry: retry)
                #expect(wait >= .seconds(nominal * 0.8) && wait <= .seconds(min(nominal * 1.2, 20)), "retry \(retry): \(wait)")
            }
        }
        let steady = ModelRetryPolicy(baseDelay: .milliseconds(100), maximumDelay: .seconds(1), jitter: 0)
        #expect((0..<6).map { steady.backoff(beforeRetry: $0) } == [.milliseconds(100), .milliseconds(200), .milliseconds(400),
                                                                    .milliseconds(800), .seconds(1), .seconds(1)])
    }
}
