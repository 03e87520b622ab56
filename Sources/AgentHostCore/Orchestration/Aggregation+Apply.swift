extension Aggregation {
    /// Joins `answers` (in step order) into one result, or says why it cannot.
    func apply(_ answers: [(step: String, agent: String?, answer: [UInt8])]) -> Result<[UInt8], AggregationError> {
        switch self {
        case .concat(let separator):
            return .success(Array(answers.map { String(decoding: $0.answer, as: UTF8.self) }.joined(separator: separator).utf8))
        case .vote(let normalization):
            let ballot = Ballot(answers.map { ($0.step, $0.agent, $0.answer) }, normalization: normalization)
            guard let winner = ballot.winner else { return .failure(AggregationError(problem: "no subtask answered; nothing to vote on")) }
            return .success(winner.answer)
        case .merge(let rule):
            var merged: [String: JSONValue] = [:]
            var origin: [String: String] = [:]
            for answer in answers {
                guard case .object(let fields)? = try? JSONValue(parsing: answer.answer) else {
                    return .failure(AggregationError(problem: "merge needs JSON objects, and step '\(answer.step)' answered something else"))
                }
                do throws(AggregationError) {
                    try Self.merge(fields, into: &merged, path: "", from: answer.step, origin: &origin, rule: rule)
                } catch {
                    return .failure(error)
                }
            }
            return .success(JSONValue.object(merged).canonicalBytes)
        }
    }

    private static func merge(_ fields: [String: JSONValue], into merged: inout [String: JSONValue], path: String, from step: String,
                              origin: inout [String: String], rule: MergeConflictRule) throws(AggregationError) {
        for key in fields.keys.sorted() {
            let value = fields[key]!
            let keyPath = path.isEmpty ? key : "\(path).\(key)"
            guard let existing = merged[key] else {
                merged[key] = value
                origin[keyPath] = step
                continue
            }
            switch (existing, value) {
            case (.object(var inner), .object(let more)):
                try merge(more, into: &inner, path: keyPath, from: step, origin: &origin, rule: rule)
                merged[key] = .object(inner)
            case (.array(let first), .array(let second)):
                // A union in order: two answers that list the same item (two plans' "s1") list it once.
                var union = first
                for item in second where !union.contains(item) { union.append(item) }
                merged[key] = .array(union)
            default:
                guard existing != value else { continue }
                switch rule {
                case .first: continue
                case .last:
                    merged[key] = value
                    origin[keyPath] = step
                case .fail:
                    throw AggregationError(problem: "merge conflict on '\(keyPath)': step '\(origin[keyPath] ?? "?")' gave \(existing.canonicalText), "
                        + "step '\(step)' gave \(value.canonicalText); set the merge rule to first or last to settle such keys")
                }
            }
        }
    }
}

/// Why subtasks' results could not be joined.
struct AggregationError: Error, Sendable {
    let problem: String
}
