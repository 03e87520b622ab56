/// A workflow checked against the host and turned into a graph: what each
/// step waits for, who may answer it in which order, and its compiled input.
/// Made by ``WorkflowPlan/init(_:host:)``, which reports every problem at
/// once, before anything runs.
import Foundation

public struct WorkflowPlan: Sendable {
    /// One way to answer a step: a capability (or free text) on one agent, with its input.
    struct Candidate: Sendable {
        var target: TaskRequest.Target
        var agent: String
        /// For free text: the capability it routed to on `agent`, at plan time.
        var routedCapability: String? = nil
        var template: PayloadTemplate
        /// 0 for the step's own capability, then 1... for its declared alternatives.
        var alternative: Int
    }

    struct Step: Sendable {
        var spec: WorkflowStep
        /// Steps that must complete first; their results are the input's references.
        var needs: [Int]
        /// Steps that must end first, however they end (sequential order).
        var after: [Int]
        var dependents: [Int] = []
        /// How many distinct steps it waits for.
        var dependencyCount = 0
        var candidates: [Candidate]
        var maxAttempts: Int
        var timeout: Duration?
    }

    public let workflow: Workflow
    let steps: [Step]
    let index: [String: Int]
    /// Steps by depth in the graph: each level needs only earlier levels.
    public let levels: [[String]]
    /// Every agent some step may use.
    public let agents: Set<String>
    /// The workflow as JSON, stored with each run so it can be resumed.
    let encoded: Data
    /// Whether two steps may put one question to different agents; when not,
    /// no run of this plan looks for contradictory answers.
    let mayConflict: Bool

    public init(_ workflow: Workflow, host: AgentHost, source: String? = nil) throws(WorkflowValidationError) {
        var workflow = workflow
        var problems: [WorkflowValidationError.Problem] = []
        func problem(_ step: WorkflowStep?, _ message: String) {
            problems.append(.init(step: step?.id, line: step?.line, message: message))
        }

        if workflow.mode == .consensus {
            if let spec = workflow.consensus {
                workflow.steps = Self.voters(spec, host: host, problem: { problem(nil, $0) })
            } else {
                problem(nil, "a consensus workflow needs a 'consensus' section: capability, input, agents or runs, min_agreement")
            }
        }
        if workflow.mode == .hierarchical, workflow.aggregate == nil {
            problem(nil, "a hierarchical workflow needs 'aggregate': concat, vote or merge")
        }
        if workflow.steps.isEmpty, workflow.mode != .consensus { problem(nil, "the workflow has no steps") }
        if workflow.concurrency < 1 { problem(nil, "concurrency must be 1 or more, got \(workflow.concurrency)") }
        if workflow.retryBudget < 0 { problem(nil, "retry_budget must be 0 or more, got \(workflow.retryBudget)") }

        var index: [String: Int] = [:]
        for (position, step) in workflow.steps.enumerated() {
            if step.id.isEmpty || !step.id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) {
                problem(step, "a step id is letters, digits, '_' and '-', got '\(step.id)'")
            }
            if let earlier = index[step.id] {
                problem(step, "the id '\(step.id)' is already used by step \(earlier + 1)")
            } else {
                index[step.id] = position
            }
        }

        var steps: [Step] = []
        for (position, spec) in workflow.steps.enumerated() {
            var needs: [Int] = []
            for name in spec.needs {
                if let other = index[name] { needs.append(other) } else { problem(spec, "needs '\(name)', which is not a step of this workflow\(Self.hint(name, among: index.keys))") }
            }
            var candidates: [Candidate] = []
            var maxAttempts = 1
            switch (spec.capability, spec.text) {
            case (nil, nil), (.some, .some):
                problem(spec, "give exactly one of 'capability' (a capability's name) or 'text' (free text to route)")
            case (let capability?, nil):
                let options = [(capability, spec.input, spec.agents)] + spec.alternatives.map { ($0.capability, $0.input ?? spec.input, $0.agents) }
                for (alternative, (name, input, agents)) in options.enumerated() {
                    guard let template = Self.compile(input, for: spec, capability: name, host: host, workflow: workflow, problem: problem) else { continue }
                    for agent in Self.agents(for: name, restrictedTo: agents, step: spec, host: host, problem: problem) {
                        candidates.append(Candidate(target: .capability(name), agent: agent, template: template, alternative: alternative))
                    }
                }
            case (nil, let text?):
                let allowed = spec.agents.map(Set.init)
                do throws(RoutingError) {
                    let decision = try host.router.route(text: text, among: allowed)
                    let fitting = Self.wordCandidates(decision, step: spec, text: text, host: host, problem: problem)
                    if let template = Self.compile(spec.input, for: spec, capability: nil, host: host, workflow: workflow, problem: problem) {
                        for (agent, capability) in fitting {
                            candidates.append(Candidate(target: .text(text), agent: agent, routedCapability: capability, template: template,
                                                        alternative: 0))
                        }
                    }
                } catch {
                    problem(spec, error.description)
                }
            }
            if let verify = spec.verify?.capability, host.router.agents(for: verify).isEmpty {
                problem(spec, "verify.capability '\(verify)' has no agent\(Self.hint(verify, among: host.registry.capabilities))")
            }
            if let limit = spec.maxAttempts {
                if limit < 1 { problem(spec, "max_attempts must be 1 or more, got \(limit)") }
                maxAttempts = max(1, limit)
            } else {
                maxAttempts = max(1, candidates.count)
            }
            // A reference to another step's result makes this step need it.
            for name in candidates.flatMap(\.template.stepReferences) {
                guard let other = index[name] else {
                    problem(spec, "refers to '{{steps.\(name).result}}', but there is no step '\(name)'\(Self.hint(name, among: index.keys))")
                    continue
                }
                if other == position { problem(spec, "refers to its own result") } else if !needs.contains(other) { needs.append(other) }
                if workflow.mode == .sequential, other > position {
                    problem(spec, "refers to step '\(name)', which comes later in a sequential workflow")
                }
            }
            let after = workflow.mode == .sequential && position > 0 ? [position - 1] : []
            steps.append(Step(spec: spec, needs: needs.sorted(), after: after, candidates: candidates, maxAttempts: maxAttempts,
                              timeout: spec.timeoutMilliseconds.map { .milliseconds($0) }))
        }

        if problems.isEmpty, let cycle = Self.cycle(in: steps) {
            problems.append(.init(step: cycle[0], line: nil, message: "the steps form a cycle: \(cycle.joined(separator: " -> "))"))
        }
        guard problems.isEmpty else { throw WorkflowValidationError(workflow: workflow.name, source: source, problems: problems) }

        for (position, step) in steps.enumerated() {
            let waitsFor = Set(step.needs + step.after)
            steps[position].dependencyCount = waitsFor.count
            for other in waitsFor { steps[other].dependents.append(position) }
        }
        self.workflow = workflow
        self.steps = steps
        self.index = index
        levels = Self.levels(of: steps).map { $0.map { steps[$0].spec.id } }
        agents = Set(steps.flatMap { $0.candidates.map(\.agent) })
        encoded = (try? JSONEncoder().encode(workflow)) ?? Data()
        var agentsByTarget: [TaskRequest.Target: Set<String>] = [:]
        var stepsByTarget: [TaskRequest.Target: Int] = [:]
        for step in steps {
            for target in Set(step.candidates.map(\.target)) { stepsByTarget[target, default: 0] += 1 }
            for candidate in step.candidates { agentsByTarget[candidate.target, default: []].insert(candidate.agent) }
        }
        mayConflict = stepsByTarget.contains { target, count in count > 1 && (agentsByTarget[target]?.count ?? 0) > 1 }
    }

    // MARK: - Checks

    private static func compile(_ input: JSONValue, for step: WorkflowStep, capability: String?, host: AgentHost, workflow: Workflow,
                                problem: (WorkflowStep?, String) -> Void) -> PayloadTemplate? {
        let template: PayloadTemplate
        do throws(TemplateError) {
            template = try PayloadTemplate.compile(input, inputs: workflow.inputs)
        } catch {
            problem(step, error.problem)
            return nil
        }
        guard let capability, let declared = host.router.agents(for: capability).first,
              let manifest = host.registry.plugin(id: declared)?.manifest.capabilities.first(where: { $0.name == capability }) else { return template }
        for found in manifest.inputProblems(input, unknown: PayloadTemplate.unknown) {
            problem(step, "the input does not fit '\(capability)': \(found)")
        }
        return template
    }

    /// The candidates of a free-text step whose capability can take its words
    /// with the step's input; the others are dropped with a problem when none is left.
    private static func wordCandidates(_ decision: RouteDecision, step: WorkflowStep, text: String, host: AgentHost,
                                       problem: (WorkflowStep?, String) -> Void) -> [(agent: String, capability: String)] {
        let ranked = decision.ranking.isEmpty ? [(decision.agent, decision.capability)] : decision.ranking.map { ($0.agent, $0.capability) }
        var fitting: [(agent: String, capability: String)] = []
        var refusals: [String] = []
        for (agent, name) in ranked where !fitting.contains(where: { $0.agent == agent }) {
            guard let capability = host.registry.plugin(id: agent)?.manifest.capabilities.first(where: { $0.name == name }) else { continue }
            let problems = capability.inputProblems(capability.input(step.input, withWords: text), unknown: PayloadTemplate.unknown)
            if problems.isEmpty { fitting.append((agent, name)) } else { refusals.append("'\(name)': \(problems.map(\.description).joined(separator: "; "))") }
        }
        if fitting.isEmpty { problem(step, "the text routes to capabilities whose input it does not fit: \(refusals.joined(separator: "; "))") }
        return fitting
    }

    private static func agents(for capability: String, restrictedTo allowed: [String]?, step: WorkflowStep, host: AgentHost,
                               problem: (WorkflowStep?, String) -> Void) -> [String] {
        let providers = host.router.agents(for: capability)
        if providers.isEmpty {
            problem(step, "no agent declares the capability '\(capability)'\(hint(capability, among: host.registry.capabilities))")
            return []
        }
        guard let allowed else { return providers }
        for agent in allowed where !providers.contains(agent) {
            problem(step, host.registry.plugin(id: agent) == nil
                ? "the agent '\(agent)' is not loaded\(hint(agent, among: host.registry.plugins.map(\.id)))"
                : "the agent '\(agent)' does not declare '\(capability)'")
        }
        return allowed.filter(providers.contains).uniqued()
    }

    /// Consensus becomes one step per vote: each agent, `runs` times.
    private static func voters(_ spec: ConsensusSpec, host: AgentHost, problem: (String) -> Void) -> [WorkflowStep] {
        if !(spec.minAgreement > 0 && spec.minAgreement <= 1) { problem("min_agreement must be in (0, 1], got \(spec.minAgreement)") }
        if spec.runs < 1 { problem("runs must be 1 or more, got \(spec.runs)") }
        let agents = spec.agents ?? host.router.agents(for: spec.capability)
        if agents.isEmpty { problem("no agent declares the capability '\(spec.capability)'\(hint(spec.capability, among: host.registry.capabilities))") }
        var steps: [WorkflowStep] = []
        for agent in agents {
            for _ in 0..<max(1, spec.runs) {
                steps.append(WorkflowStep(id: "vote-\(steps.count + 1)", capability: spec.capability, input: spec.input, agents: [agent], maxAttempts: 1))
            }
        }
        return steps
    }

    /// The first cycle found, as step ids from and back to one step.
    private static func cycle(in steps: [Step]) -> [String]? {
        var mark = [UInt8](repeating: 0, count: steps.count)  // 0 new, 1 on the path, 2 done
        var path: [Int] = []
        func visit(_ node: Int) -> [String]? {
            mark[node] = 1
            path.append(node)
            for next in steps[node].needs + steps[node].after {
                if mark[next] == 1 {
                    let start = path.firstIndex(of: next)!
                    return (path[start...] + [next]).map { steps[$0].spec.id }
                }
                if mark[next] == 0, let found = visit(next) { return found }
            }
            path.removeLast()
            mark[node] = 2
            return nil
        }
        for node in steps.indices where mark[node] == 0 {
            if let found = visit(node) { return found.reversed() }
        }
        return nil
    }

    private static func levels(of steps: [Step]) -> [[Int]] {
        var depth = [Int](repeating: -1, count: steps.count)
        func depthOf(_ node: Int) -> Int {
            if depth[node] >= 0 { return depth[node] }
            let value = (steps[node].needs + steps[node].after).map { depthOf($0) + 1 }.max() ?? 0
            depth[node] = value
            return value
        }
        var levels: [[Int]] = []
        for node in steps.indices {
            let level = depthOf(node)
            while levels.count <= level { levels.append([]) }
            levels[level].append(node)
        }
        return levels
    }

    static func hint(_ name: String, among names: some Sequence<String>) -> String {
        let close = names.map { (EditDistance.between($0, name), $0) }.filter { $0.0 <= max(2, name.count / 4) }
            .sorted { $0 < $1 }.prefix(3).map(\.1)
        return close.isEmpty ? "" : "; did you mean \(close.map { "'\($0)'" }.joined(separator: " or "))?"
    }
}
