/// Answers counted after normalisation: the one place voting happens, for
/// consensus runs, `vote` aggregation and conflicts settled by vote.
public struct Ballot: Sendable {
    public struct Vote: Sendable, Hashable {
        /// Who answered: a step id.
        public var voter: String
        public var agent: String?
        public var answer: [UInt8]
        public var normalized: String
    }

    public let votes: [Vote]
    /// The winning normalised answer, its votes, and the first vote cast for it.
    public let winner: Vote?
    public let winnerCount: Int

    public init(_ answers: [(voter: String, agent: String?, answer: [UInt8])], normalization: Normalization) {
        votes = answers.map { Vote(voter: $0.voter, agent: $0.agent, answer: $0.answer, normalized: normalization.normalize($0.answer)) }
        var counts: [String: Int] = [:]
        for vote in votes { counts[vote.normalized, default: 0] += 1 }
        // The most votes wins; a tie goes to the answer given first.
        var best: Vote?
        var bestCount = 0
        for vote in votes where counts[vote.normalized]! > bestCount {
            best = vote
            bestCount = counts[vote.normalized]!
        }
        winner = best
        winnerCount = bestCount
    }

    /// The share of votes the winner got, 0 with no votes.
    public var agreement: Double { votes.isEmpty ? 0 : Double(winnerCount) / Double(votes.count) }

    /// Votes for anything but the winner.
    public var dissenters: [Vote] { votes.filter { $0.normalized != winner?.normalized } }

    /// Whether the answers differ at all.
    public var isUnanimous: Bool { dissenters.isEmpty }
}
