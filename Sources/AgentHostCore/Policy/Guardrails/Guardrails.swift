/// The guardrails that apply to one agent: the global policy with the
/// agent's own section laid over it, resolved when the policy is read.
public struct Guardrails: Sendable, Hashable {
    public var input: GuardrailStage
    public var output: GuardrailStage
    /// Applied to the string arguments and results of tool calls made through the host.
    public var tools: GuardrailStage
    /// Hosts the operator lets any agent reach; nil leaves it to each manifest's permissions.
    public var network: NetworkAllowList?
    /// Folders the operator lets any agent touch; nil leaves it to each manifest's permissions.
    public var paths: PathAllowList?

    public init(input: GuardrailStage = .defaultInput, output: GuardrailStage = .defaultOutput,
                tools: GuardrailStage = .defaultTools, network: NetworkAllowList? = nil, paths: PathAllowList? = nil) {
        self.input = input
        self.output = output
        self.tools = tools
        self.network = network
        self.paths = paths
    }

    public static let standard = Guardrails()
}

/// What a guardrail check that did not trip decided.
enum GuardrailVerdict: Sendable {
    case pass
    /// The bytes to use instead, and what was taken out.
    case redacted([UInt8], [SensitiveData])
}

extension GuardrailStage {
    /// Checks `bytes`; returns whether to pass them as they are or redacted,
    /// or throws the trip.
    func check(_ bytes: [UInt8], place: GuardrailTrip.Place, agent: String) throws(GuardrailTrip) -> GuardrailVerdict {
        if let maxBytes, bytes.count > maxBytes {
            throw GuardrailTrip(guardrail: "max_bytes", place: place, agent: agent,
                                finding: "\(bytes.count) bytes, over the limit of \(maxBytes)")
        }
        guard scans else { return .pass }
        var redactions: [SensitiveData] = []
        if secrets != .allow || personalData != .allow {
            let found = bytes.withUnsafeBufferPointer {
                SensitiveDataScanner.scan($0, secrets: secrets != .allow, personal: personalData != .allow)
            }
            for item in found {
                switch item.kind.isSecret ? secrets : personalData {
                case .allow: continue
                case .redact: redactions.append(item)
                case .trip:
                    throw GuardrailTrip(guardrail: item.kind.isSecret ? "secrets" : "pii", place: place, agent: agent,
                                        finding: item.description)
                }
            }
        }
        if !deny.isEmpty {
            let text = String(decoding: bytes, as: UTF8.self)
            for pattern in deny {
                if let range = pattern.firstMatch(in: text) {
                    throw GuardrailTrip(guardrail: "deny", place: place, agent: agent,
                                        finding: "matched the deny pattern '\(pattern.pattern)' at byte \(range.lowerBound)")
                }
            }
        }
        guard !redactions.isEmpty else { return .pass }
        // Text on both sides of a redaction meets, and may read as a finding the first scan passed over
        // (it skips past each one); scanned again until nothing is left. Each pass takes away at least one
        // '@', key prefix or digit run and puts none back, so it ends.
        var redacted = Self.redact(bytes, redactions)
        while true {
            let more = redacted.withUnsafeBufferPointer {
                SensitiveDataScanner.scan($0, secrets: secrets == .redact, personal: personalData == .redact)
            }
            guard !more.isEmpty else { break }
            let next = Self.redact(redacted, more)
            guard next != redacted else { break }
            redacted = next
        }
        return .redacted(redacted, redactions)
    }

    /// `check`, with its verdict as the bytes to go on with (or the trip) and
    /// the event to record, so every place that screens records alike.
    func screen(_ bytes: [UInt8], place: GuardrailTrip.Place, agent: String) -> (result: Result<[UInt8], GuardrailTrip>, event: TaskEvent?) {
        do throws(GuardrailTrip) {
            switch try check(bytes, place: place, agent: agent) {
            case .pass: return (.success(bytes), nil)
            case .redacted(let redacted, let found): return (.success(redacted), .redaction(found, place: place, agent: agent))
            }
        } catch {
            return (.failure(error), .trip(error))
        }
    }

    /// `bytes` with each range replaced by `[REDACTED:kind]`, which keeps a
    /// JSON string valid because it holds no quote or backslash. Findings
    /// that overlap are redacted as one, so no part of either is left.
    static func redact(_ bytes: [UInt8], _ items: [SensitiveData]) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        var cursor = 0
        let sorted = items.sorted { $0.range.lowerBound < $1.range.lowerBound }
        var index = 0
        while index < sorted.count {
            let first = sorted[index]
            var end = first.range.upperBound
            index += 1
            while index < sorted.count, sorted[index].range.lowerBound < end {
                end = max(end, sorted[index].range.upperBound)
                index += 1
            }
            result += bytes[cursor..<max(cursor, first.range.lowerBound)]
            result += Array("[REDACTED:\(first.kind.rawValue)]".utf8)
            cursor = max(cursor, end)
        }
        result += bytes[cursor...]
        return result
    }
}
