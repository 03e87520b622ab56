// The libFuzzer targets of the host's readers. `Fuzz/run` builds this with
// `-sanitize=fuzzer -D FUZZING` and picks the reader with
// AGENTHOST_FUZZ_TARGET; a plain `swift build` makes a program that says so.
import AgentHostFuzzDriver
import Foundation
#if FUZZING
@testable import AgentHostCore
@testable import AgentHostDirectory

/// One reader fed arbitrary bytes. Each may refuse its input, never trap;
/// where two readers must agree on what is valid, a disagreement is a crash.
enum FuzzTarget: String, CaseIterable {
    case manifest, delegate, workflow, policy, json, template, guardrails, package, search_lines

    static let chosen: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["AGENTHOST_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            fatalError("AGENTHOST_FUZZ_TARGET must be one of \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")), not '\(name)'")
        }
        return target
    }()

    func run(_ bytes: [UInt8]) {
        switch self {
        case .manifest:
            _ = try? PluginManifest.decode(Data(bytes), location: "fuzz")
        case .delegate:
            let text = String(decoding: bytes, as: UTF8.self)
            let parsed = try? DelegateParser.parse(text)
            // The quick check the host runs on every reply may say "maybe" wrongly, never "no" wrongly.
            if let parsed, !parsed.isEmpty, !DelegateParser.mayContainAction(Array(text.utf8)) {
                fatalError("mayContainAction said no to a message with \(parsed.count) DELEGATE action(s)")
            }
        case .workflow:
            guard let text = try? TextInput.decode(bytes, kind: "fuzz") else { return }
            if let workflow = try? WorkflowFile.parse(text, path: "fuzz.yaml") {
                // What is stored for a run must read back.
                guard let data = try? JSONEncoder().encode(workflow), (try? JSONDecoder().decode(Workflow.self, from: data)) != nil else {
                    fatalError("a workflow that parsed does not survive the store's JSON round trip")
                }
            }
        case .policy:
            guard let text = try? TextInput.decode(bytes, kind: "fuzz") else { return }
            _ = try? PolicyFile.parse(text, path: "fuzz.yaml")
        case .json:
            let valid = JSONBytes.isValid(bytes)
            let parsed = try? JSONValue(parsing: bytes)
            // The parser builds only what the scanner passes, and refuses only strings that are not UTF-8.
            if (parsed != nil) != (valid && UTF8Check.firstInvalidByte(in: bytes) == nil) {
                fatalError("JSONValue(parsing:) and JSONBytes.isValid disagree on these bytes")
            }
            if valid {
                _ = JSONBytes.range(at: ["a"], in: bytes)
                _ = JSONBytes.range(at: ["0", "b"], in: bytes)
            }
            guard let parsed else { return }
            if (try? JSONValue(parsing: parsed.canonicalBytes)) != parsed {
                fatalError("the canonical bytes of a parsed value do not read back as the same value")
            }
            // Foundation's reader is a second opinion on what the bytes say: where it reads them too, the values agree.
            if let object = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]), !FoundationJSON.same(parsed, object) {
                fatalError("JSONValue(parsing:) reads another value than JSONSerialization")
            }
        case .template:
            // First line: the template (YAML-free JSON); the rest: a step's answer.
            let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex
            guard let value = try? JSONValue(parsing: Array(bytes[..<newline])),
                  let template = try? PayloadTemplate.compile(value, inputs: ["name": "fuzz \"quoted\""]) else { return }
            let answer = newline < bytes.endIndex ? Array(bytes[(newline + 1)...]) : []
            if case .success(let payload) = template.render({ _ in answer }), !JSONBytes.isValid(payload) {
                fatalError("a rendered payload is not JSON")
            }
        case .package:
            // A download's bytes: refused by a named check, or verified, and then exactly what package.json says.
            let archive = PackageArchive(data: Data(bytes), name: "fuzz")
            if let package = try? archive.verify(trust: .init(keys: nil, allowsUnsigned: true, source: "fuzz")) {
                for file in package.descriptor.files where package.files[file.path].map({ Digest.sha256($0) }) != file.sha256 {
                    fatalError("a verified package holds \(file.path) unlike its package.json says")
                }
            }
        case .search_lines:
            // The search lines a client keeps: read back or refused, and a search over them never leaves their bounds.
            if let search = PluginSearch(lines: Data(bytes), directory: "fuzz") {
                for query in ["", "a", "pdf table", "x.y"] { _ = search.search(query) }
                _ = PluginSearch(merging: [search, search]).search("e")
            }
        case .guardrails:
            let found = bytes.withUnsafeBufferPointer { SensitiveDataScanner.scan($0, secrets: true, personal: true) }
            _ = found
            let stage = GuardrailStage(maxBytes: 1 << 20, secrets: .redact, personalData: .redact)
            if case .redacted(let redacted, _)? = try? stage.check(bytes, place: .input, agent: "fuzz") {
                let again = redacted.withUnsafeBufferPointer { SensitiveDataScanner.scan($0, secrets: true, personal: true) }
                if !again.isEmpty { fatalError("redacted bytes still hold \(again.count) finding(s)") }
            }
            if let schema = try? JSONValue(parsing: Array(#"{"type":"object","properties":{"a":{"type":"array","items":{"type":"number","minimum":0}}}}"#.utf8)) {
                _ = JSONSchema(schema).problem(inJSON: bytes)
            }
        }
    }
}

@main
enum Fuzz {
    static func main() {
        exit(agenthost_fuzz_run(CommandLine.argc, CommandLine.unsafeArgv) { data, size in
            let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
            FuzzTarget.chosen.run(bytes)
            return 0
        })
    }
}
/// JSONSerialization's values, compared with a parsed JSONValue.
enum FoundationJSON {
    static func same(_ value: JSONValue, _ object: Any) -> Bool {
        switch (value, object) {
        case (.null, is NSNull): return true
        case (.string(let text), let other as String): return text == other
        case (.bool(let flag), let number as NSNumber) where isBool(number): return flag == number.boolValue
        case (.number(let double), let number as NSNumber) where !isBool(number):
            // Foundation keeps large whole numbers as integers; a double holds them to its own precision.
            return double == number.doubleValue || abs(double - number.doubleValue) <= 1e-12 * max(1, abs(double))
        case (.array(let values), let others as [Any]):
            return values.count == others.count && zip(values, others).allSatisfy { same($0, $1) }
        case (.object(let fields), let others as [String: Any]):
            return fields.count == others.count && fields.allSatisfy { key, value in others[key].map { same(value, $0) } ?? false }
        default: return false
        }
    }

    private static func isBool(_ number: NSNumber) -> Bool {
        let type = String(cString: number.objCType)
        return type == "c" || type == "B"
    }
}

#else
@main
enum Fuzz {
    static func main() { exit(agenthost_fuzz_run(CommandLine.argc, CommandLine.unsafeArgv) { _, _ in 0 }) }
}
#endif

