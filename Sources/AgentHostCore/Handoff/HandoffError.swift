/// Why a handoff was not carried out.
public enum HandoffError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The source's manifest does not list the target under "handoffs".
    case undeclared(source: String, target: String, declared: [String])
    /// No loaded agent has the target's id.
    case unknownTarget(source: String, target: String)
    /// The chain of handoffs grew past the policy's limit.
    case depthExceeded(chain: [String], limit: Int)
    /// The chain came back to an agent with the very context it had before,
    /// so it can only repeat itself.
    case cycle(chain: [String])
    /// The target has no capability the task can go to.
    case noCapability(target: String, task: String)
    /// The context is not what the target's filter can work on.
    case badContext(source: String, target: String, problem: String)

    public var description: String {
        switch self {
        case .undeclared(let source, let target, let declared):
            let list = declared.isEmpty ? "none" : declared.joined(separator: ", ")
            return "agent '\(source)' may not hand off to '\(target)': its manifest declares handoffs to \(list); add the target under \"handoffs\""
        case .unknownTarget(let source, let target):
            return "agent '\(source)' handed off to '\(target)', which is not loaded; install it or remove the handoff"
        case .depthExceeded(let chain, let limit):
            let repeated = Set(chain.filter { agent in chain.filter { $0 == agent }.count > 1 })
            let cycle = repeated.isEmpty ? "" : " (a cycle between \(repeated.sorted().joined(separator: " and ")))"
            return "handoff chain \(chain.joined(separator: " -> ")) reached the depth limit of \(limit)\(cycle); "
                + "raise handoffs.max_depth in the policy file if the chain is meant to be this long"
        case .cycle(let chain):
            return "handoff cycle \(chain.joined(separator: " -> ")): '\(chain.last ?? "")' was handed the same context it had before"
        case .noCapability(let target, let task):
            return "handoff target '\(target)' has no capability for the task '\(task)'"
        case .badContext(let source, let target, let problem):
            return "handoff from '\(source)' to '\(target)': \(problem)"
        }
    }
}
