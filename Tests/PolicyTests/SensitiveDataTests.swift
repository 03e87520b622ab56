@testable import AgentHostCore
import Testing

@Suite struct SensitiveDataTests {
    func kinds(_ text: String, secrets: Bool = true, personal: Bool = true) -> [String] {
        Array(text.utf8).withUnsafeBufferPointer { SensitiveDataScanner.scan($0, secrets: secrets, personal: personal) }.map(\.label)
    }

    @Test func findsSecrets() {
        #expect(kinds("key=AKIAABCDEFGHIJKLMNOP end") == ["an AWS access key id"])
        #expect(kinds("token sk-abcdefghijklmnopqrstuvwx") == ["an OpenAI-style API key"])
        #expect(kinds("ghp_abcdefghijklmnopqrstuvwxyz0123456789") == ["a GitHub token"])
        #expect(kinds("-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----") == ["a private key"])
        #expect(kinds("-----BEGIN CERTIFICATE-----").isEmpty, "a certificate is public")
        #expect(kinds("task-sk-abcdefghijklmnopqrstuvwx").isEmpty, "a prefix inside a word is not a key")
    }

    @Test func findsPersonalData() {
        #expect(kinds("write to ada.lovelace+x@example.org.") == ["an e-mail address"])
        #expect(kinds("card 4111 1111 1111 1111 ok") == ["a card number"])
        #expect(kinds("card 4111-1111-1111-1112").isEmpty, "fails the Luhn check")
        #expect(kinds("order 1234567890123").isEmpty, "13 digits that fail Luhn")
        #expect(kinds("not@an-address").isEmpty)
    }

    @Test func redactionKeepsTheRestAndValidJSON() throws {
        let stage = GuardrailStage(secrets: .redact, personalData: .redact)
        let input = Array(#"{"to":"ada@example.org","key":"AKIAABCDEFGHIJKLMNOP"}"#.utf8)
        guard case .redacted(let bytes, let found) = try stage.check(input, place: .output, agent: "a") else {
            Issue.record("expected a redaction")
            return
        }
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"to":"[REDACTED:email]","key":"[REDACTED:api_key]"}"#)
        #expect(found.count == 2)
    }

    @Test func aTripNamesTheGuardrailButNotTheSecret() {
        let stage = GuardrailStage(secrets: .trip)
        #expect {
            try stage.check(Array("AKIAABCDEFGHIJKLMNOP".utf8), place: .input, agent: "a")
        } throws: { error in
            let text = "\(error)"
            return text.contains("guardrail 'secrets'") && text.contains("AWS access key") && !text.contains("AKIAABCDEF")
        }
    }
}
