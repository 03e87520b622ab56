extension AgentRuntime {
    /// Checks a handoff against the source's manifest, the chain's depth and
    /// cycles, and the context filter; returns the target's capability and
    /// the context it receives.
    func prepare(_ handoff: HandoffRequest, from source: RouteDecision,
                 chain: inout HandoffChain) throws(HandoffError) -> (RouteCandidate, [UInt8]) {
        let plugin = source.candidate.plugin
        guard let declared = plugin.handoffTargets[handoff.target] else {
            throw .undeclared(source: plugin.id, target: handoff.target, declared: plugin.manifest.handoffs.map(\.target))
        }
        guard host.registry.plugin(id: handoff.target) != nil else { throw .unknownTarget(source: plugin.id, target: handoff.target) }
        let context = try ContextFilter.apply(declared.contextKeys, to: handoff.context, source: plugin.id, target: handoff.target)
        let next = try capability(of: handoff.target, for: source.capability, reason: handoff.reason)
        try chain.admit(handoff.target, context: context)
        return (next, context)
    }

    /// The target's capability for the task: the same capability when the
    /// target declares it, its only one, or the one whose keywords the
    /// handoff's reason matches.
    private func capability(of target: String, for capability: String, reason: String) throws(HandoffError) -> RouteCandidate {
        let router = host.router
        if let same = router.candidate(agent: target, capability: capability) { return same }
        let candidates = router.candidates(agent: target)
        if candidates.count == 1 { return candidates[0] }
        guard let candidate = router.route(reason: reason, among: [target]) else {
            throw .noCapability(target: target, task: reason)
        }
        return candidate
    }
}
