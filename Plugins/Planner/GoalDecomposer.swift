/// Turns a goal written in plain language into ordered steps, and assigns each
/// step the capability that fits it best among those the host offers.
///
/// Splitting: sentences, semicolons, line breaks, numbered or bulleted lists,
/// and sequencing words ("then", "after that", "finally", ", and" before a verb).
/// Assignment: the step's verb points to a family of capabilities (research ->
/// knowledge, implement -> code, ...); words shared with a capability's name and
/// description add to its score. A step with no positive score is unassigned.
struct GoalDecomposer: Sendable {
    struct Step: Sendable, Hashable {
        var action: String
        var verb: String?
        var object: String
    }

    struct Assignment: Sendable, Hashable {
        var capability: String
        var agent: String
        var score: Int
    }

    /// Verbs the planner recognises, and the capability family each points to.
    static let verbFamilies: [String: String] = {
        var table: [String: String] = [:]
        let families: [(String, [String])] = [
            ("knowledge", ["research", "find", "search", "look", "learn", "read", "study", "gather", "collect", "survey",
                           "summarize", "summarise", "explain", "answer", "lookup", "explore", "compare"]),
            ("planner", ["plan", "design", "decompose", "break", "organize", "organise", "outline", "schedule", "prioritize",
                         "prioritise", "estimate"]),
            ("browser", ["browse", "fetch", "download", "crawl", "visit", "open", "scrape", "navigate", "submit"]),
            ("code", ["write", "implement", "code", "build", "create", "scaffold", "refactor", "patch", "add", "change",
                      "update", "generate", "edit", "rename", "remove", "delete", "make"]),
            ("test", ["test", "verify", "validate", "check", "run"]),
            ("review", ["review", "audit", "inspect", "critique", "assess"]),
            ("debug", ["debug", "diagnose", "fix", "troubleshoot", "investigate", "repair"]),
        ]
        for (family, verbs) in families { for verb in verbs { table[verb] = family } }
        return table
    }()

    static let stopwords: Set<String> = [
        "a", "an", "and", "the", "of", "to", "for", "in", "on", "with", "by", "at", "from", "into", "about", "it", "its",
        "this", "that", "these", "those", "is", "are", "be", "as", "or", "our", "my", "your", "their", "some", "all", "up",
    ]

    private static let leadingFillers: Set<String> = ["then", "and", "finally", "first", "next", "also", "lastly", "afterwards", "please"]

    // MARK: - Splitting

    /// The goal's clauses, in order, with list markers and connectives removed.
    static func clauses(of goal: String) -> [String] {
        var pieces: [String] = []
        var current = ""
        let characters = Array(goal)
        for (offset, character) in characters.enumerated() {
            // A period ends a sentence only before a space or the end: "README.md" stays one word.
            let endsSentence = character != "." || offset + 1 == characters.count || characters[offset + 1].isWhitespace
            if (character == "." && endsSentence) || character == ";" || character == "!" || character == "?" || character == "\n" {
                pieces.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        pieces.append(current)
        return pieces.flatMap(splitOnConnectives).compactMap(clean)
    }

    private static func splitOnConnectives(_ text: String) -> [String] {
        let words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        var clauses: [[String]] = [[]]
        var index = 0
        while index < words.count {
            let word = words[index]
            let bare = normalize(word)
            let next = index + 1 < words.count ? normalize(words[index + 1]) : ""
            // "then X", "after that X", "and X" (when X is a verb), or "X, Y" where Y is a verb.
            let startsClause: Bool
            var skip = 0
            if bare == "then" || bare == "finally" || bare == "afterwards" || bare == "lastly" {
                startsClause = true; skip = 1
            } else if bare == "after", next == "that" {
                startsClause = true; skip = 2
            } else if bare == "and", verbFamilies[next] != nil, !(clauses.last?.isEmpty ?? true) {
                startsClause = true; skip = 1
            } else if let last = clauses.last?.last, last.hasSuffix(","), verbFamilies[bare] != nil {
                startsClause = true
            } else {
                startsClause = false
            }
            if startsClause, !(clauses.last?.isEmpty ?? true) { clauses.append([]) }
            if skip > 0 { index += skip; continue }
            clauses[clauses.count - 1].append(word)
            index += 1
        }
        return clauses.map { $0.joined(separator: " ") }
    }

    private static func clean(_ clause: String) -> String? {
        var words = clause.split(separator: " ").map(String.init)
        // Drop list markers ("1)", "2.", "-", "*") and leading filler words.
        while let first = words.first {
            let bare = normalize(first)
            let isMarker = first == "-" || first == "*" || first.allSatisfy { $0.isNumber || $0 == ")" || $0 == "." }
            guard isMarker || leadingFillers.contains(bare) else { break }
            words.removeFirst()
        }
        while let last = words.last, last.allSatisfy({ $0 == "," || $0 == ":" }) { words.removeLast() }
        var text = words.joined(separator: " ")
        while text.last == "," || text.last == ":" { text.removeLast() }
        return text.isEmpty ? nil : text
    }

    static func normalize(_ word: some StringProtocol) -> String {
        String(word.lowercased().filter { $0.isLetter || $0.isNumber })
    }

    static func words(_ text: String) -> [String] {
        text.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map { $0.lowercased() }
    }

    /// Whether `clause` begins with a verb the planner knows.
    static func isActionable(_ clause: String) -> Bool {
        guard let first = words(clause).first(where: { !leadingFillers.contains($0) }) else { return false }
        return verbFamilies[first] != nil
    }

    static func step(from clause: String) -> Step {
        let tokens = clause.split(separator: " ").map(String.init)
        guard let first = tokens.first, verbFamilies[normalize(first)] != nil else {
            return Step(action: clause, verb: nil, object: clause)
        }
        var rest = Array(tokens.dropFirst())
        // "look up X", "break down X": the particle belongs to the verb.
        if let particle = rest.first.map(normalize), ["up", "down", "out", "into", "for"].contains(particle) { rest.removeFirst() }
        return Step(action: clause, verb: normalize(first), object: rest.joined(separator: " "))
    }

    // MARK: - Assignment

    /// Every capability that fits `step` at all, best first (ties by name).
    static func ranked(_ step: Step, among available: [AvailableCapabilityInfo]) -> [Assignment] {
        let family = step.verb.flatMap { verbFamilies[$0] }
        let stepWordList = words(step.action)
        let stepWords = Set(stepWordList).subtracting(stopwords)
        let text = " " + stepWordList.joined(separator: " ") + " "
        var fitting: [Assignment] = []
        for capability in available {
            var score = 0
            if let family, capability.namespace == family { score += 10 }
            score += 3 * stepWords.intersection(capability.nameWords).count
            score += stepWords.intersection(capability.descriptionWords).count
            // A declared keyword (a word or a phrase) found in the step is the capability saying it fits.
            score += 2 * capability.keywordPhrases.filter { text.contains($0) }.count
            guard score > 0 else { continue }
            fitting.append(Assignment(capability: capability.name, agent: capability.agent, score: score))
        }
        // A verb the planner knows names its family: "build" is code's work, and
        // if no code capability can take it, a debugger that shares a word is no stand-in.
        if let family, available.contains(where: { $0.namespace == family }) {
            fitting.removeAll { assignment in available.first { $0.name == assignment.capability }?.namespace != family }
        }
        return fitting.sorted { $0.score != $1.score ? $0.score > $1.score : ($0.capability, $0.agent) < ($1.capability, $1.agent) }
    }
}

/// The part of the host's capability list the decomposer needs, with its
/// words split once rather than for every step it is weighed against.
struct AvailableCapabilityInfo: Sendable {
    var name: String
    var agent: String
    /// "knowledge" for "knowledge.search".
    let namespace: String
    let nameWords: Set<String>
    let descriptionWords: Set<String>
    /// Each keyword as " word word ", to find in a step's words joined the same way.
    let keywordPhrases: [String]

    init(name: String, agent: String, description: String, keywords: [String] = []) {
        self.name = name
        self.agent = agent
        namespace = name.split(separator: ".").first.map(String.init) ?? name
        nameWords = Set(GoalDecomposer.words(name))
        descriptionWords = Set(GoalDecomposer.words(description)).subtracting(GoalDecomposer.stopwords)
        keywordPhrases = keywords.map { " " + GoalDecomposer.words($0).joined(separator: " ") + " " }
    }
}

extension GoalDecomposer {
    /// Families whose steps only gather information: consecutive ones do not
    /// depend on each other, so they can run at once.
    static let gatheringFamilies: Set<String> = ["knowledge", "browser"]

    /// The steps each step waits for: a gathering step waits for the last
    /// step before its run of gathering steps; any other step waits for
    /// every step of the stage just before it.
    static func dependencies(of capabilities: [String]) -> [[Int]] {
        var stages: [[Int]] = []
        var lastGathering = false
        for (index, capability) in capabilities.enumerated() {
            let gathering = gatheringFamilies.contains(capability.split(separator: ".").first.map(String.init) ?? capability)
            if gathering, lastGathering { stages[stages.count - 1].append(index) } else { stages.append([index]) }
            lastGathering = gathering
        }
        var result = [[Int]](repeating: [], count: capabilities.count)
        for (stage, members) in stages.enumerated() where stage > 0 {
            for member in members { result[member] = stages[stage - 1] }
        }
        return result
    }
}
