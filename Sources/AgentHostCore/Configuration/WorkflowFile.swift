import Foundation
import Yams

/// Reads a workflow file (YAML). Every key is checked and every problem
/// names its line; whether the steps fit the host (capabilities, agents,
/// references, cycles) is checked next, by ``WorkflowPlan``, still before
/// anything runs.
///
///     name: research-then-plan
///     mode: sequential            # sequential | parallel | hierarchical | consensus | plan
///     strict: true                # the default of every step's `strict`
///     concurrency: 4
///     retry_budget: 6
///     conflicts: vote             # vote | priority | escalate
///     inputs: { topic: "checkpoints" }
///     limits: { max_steps: 20, max_agents: 4 }
///     budget: { cost: 0.50, model_calls: 40 }   # laid over the policy's budgets.run
///     steps:
///       - id: research
///         capability: knowledge.search
///         input: { query: "{{inputs.topic}}", root: "." }
///       - id: plan
///         capability: planner.plan
///         input: { goal: "Write up {{steps.research.result.hits.0.path}}" }
///         verify: { contains: ["steps"] }
///
/// Hierarchical runs add `main` (what the main task is) and `aggregate`
/// (`concat`, `vote`, `merge`, or a mapping: `{ strategy: merge, conflict:
/// first | last | fail }`, `{ strategy: concat, separator: "\n" }`, `{ strategy:
/// vote, normalize: text | json | field:KEY }`). Consensus runs have a
/// `consensus` mapping instead of steps: `capability`, `input`, `agents` or
/// `runs`, `min_agreement`, `normalize`.
public enum WorkflowFile {
    public static func load(path: String) throws(WorkflowFileError) -> Workflow {
        let text: String
        do throws(YAMLProblem) {
            text = try YAMLReader.text(ofFile: path, kind: "a workflow file (YAML)")
        } catch {
            throw WorkflowFileError(path: path, line: error.line, problem: error.problem)
        }
        return try parse(text, path: path)
    }

    /// Reads `text`, reporting every problem it finds at once.
    public static func parse(_ text: String, path: String) throws(WorkflowFileError) -> Workflow {
        let reader = Reader()
        var workflow: Workflow?
        do throws(YAMLProblem) {
            guard let root = try YAMLReader.compose(text) else { throw YAMLProblem(line: nil, problem: "is empty; a workflow needs a name, a mode and steps") }
            workflow = try reader.workflow(root, path: path)
        } catch {
            reader.problems.add(error)
        }
        guard let workflow, reader.problems.all.isEmpty else {
            let all = reader.problems.all
            throw WorkflowFileError(path: path, problems: all.map { ($0.line, $0.problem) }, first: all[0])
        }
        return workflow
    }

    /// Reads a workflow, keeping on after a problem so that one reading
    /// reports them all; a problem that leaves nothing to read further (the
    /// document is not a mapping) is thrown.
    private final class Reader {
        let yaml = YAMLReader()
        let problems = YAMLProblems()

        /// `body`'s value, or nil with its problem kept.
        func attempt<T>(_ body: () throws(YAMLProblem) -> T) -> T? {
            do {
                return try body()
            } catch {
                problems.add(error)
                return nil
            }
        }

        static let workflowKeys = ["name", "mode", "strict", "concurrency", "retry_budget", "conflicts", "inputs", "limits", "budget", "main",
                                   "aggregate", "consensus", "steps"]
        static let stepKeys = ["id", "capability", "text", "input", "needs", "strict", "agents", "alternatives", "verify", "max_attempts",
                               "resources", "priority", "state", "timeout_ms", "optional"]

        func workflow(_ root: Node, path: String) throws(YAMLProblem) -> Workflow {
            let entries = try yaml.mapping(root, "the workflow", keys: Self.workflowKeys, collecting: problems)
            func entry(_ key: String) -> (Node, Node)? { entries.first { $0.0 == key }.map { ($0.1, $0.2) } }

            var mode = Workflow.Mode.sequential
            if let (_, modeNode) = entry("mode") {
                attempt { () throws(YAMLProblem) in
                    let modeName = try yaml.string(modeNode, "mode")
                    guard let named = Workflow.Mode(rawValue: modeName) else {
                        throw yaml.fail(modeNode, "unknown mode '\(modeName)'; expected \(Workflow.Mode.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    mode = named
                }
            } else {
                problems.add(yaml.fail(root, "the workflow needs 'mode': \(Workflow.Mode.allCases.map(\.rawValue).joined(separator: ", "))"))
            }
            let name = entry("name").flatMap { (_, node) in attempt { () throws(YAMLProblem) in try yaml.string(node, "name") } }
                ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            var workflow = Workflow(name: name, mode: mode)
            let strict = entry("strict").flatMap { (_, node) in attempt { () throws(YAMLProblem) in try yaml.bool(node, "strict") } } ?? false
            var budget: Int?
            for (key, _, value) in entries {
                attempt { () throws(YAMLProblem) in
                    switch key {
                    case "concurrency": workflow.concurrency = try yaml.integer(value, "concurrency", minimum: 1, maximum: 10_000)
                    case "retry_budget": budget = try yaml.integer(value, "retry_budget", minimum: 0, maximum: 1_000_000)
                    case "conflicts":
                        let text = try yaml.string(value, "conflicts")
                        guard let rule = ConflictResolution(rawValue: text) else {
                            throw yaml.fail(value, "unknown conflict rule '\(text)'; expected \(ConflictResolution.allCases.map(\.rawValue).joined(separator: ", "))")
                        }
                        workflow.conflicts = rule
                    case "inputs":
                        for (input, _, node) in try yaml.mapping(value, "inputs", keys: [], collecting: problems) {
                            guard let text = node.scalar?.string else {
                                problems.add(yaml.fail(node, "inputs.\(input) must be a string or a number, not a \(node.kindName)"))
                                continue
                            }
                            workflow.inputs[input] = text
                        }
                    case "limits": workflow.limits = try yaml.limits(value, "limits")
                    case "budget": workflow.budget = try yaml.budget(value, "budget")
                    case "main": workflow.main = try yaml.string(value, "main")
                    case "aggregate": workflow.aggregate = try aggregate(value)
                    case "consensus": workflow.consensus = try consensus(value)
                    case "steps":
                        guard let sequence = value.sequence else { throw yaml.fail(value, "steps must be a list of steps, not a \(value.kindName)") }
                        for item in sequence {
                            if let step = attempt({ () throws(YAMLProblem) in try step(item, strict: strict) }) { workflow.steps.append(step) }
                        }
                    default: break
                    }
                }
            }
            workflow.retryBudget = budget ?? max(4, 2 * workflow.steps.count)
            if mode == .consensus, workflow.consensus == nil, entry("consensus") == nil {
                problems.add(yaml.fail(root, "a consensus workflow needs a 'consensus' mapping: capability, input, agents or runs, min_agreement"))
            }
            if mode == .hierarchical, workflow.aggregate == nil, entry("aggregate") == nil {
                problems.add(yaml.fail(root, "a hierarchical workflow needs 'aggregate': concat, vote or merge"))
            }
            return workflow
        }

        func step(_ node: Node, strict defaultStrict: Bool) throws(YAMLProblem) -> WorkflowStep {
            let entries = try yaml.mapping(node, "a step", keys: Self.stepKeys, collecting: problems)
            guard let idNode = entries.first(where: { $0.0 == "id" })?.2 else { throw yaml.fail(node, "every step needs an 'id'") }
            var step = WorkflowStep(id: try yaml.string(idNode, "id"), strict: defaultStrict, line: node.mark?.line)
            let name = "step '\(step.id)'"
            for (key, _, value) in entries {
                attempt { () throws(YAMLProblem) in try read(key, value, into: &step, name: name) }
            }
            return step
        }

        /// One key of a step.
        private func read(_ key: String, _ value: Node, into step: inout WorkflowStep, name: String) throws(YAMLProblem) {
            switch key {
            case "capability": step.capability = try yaml.string(value, "\(name).capability")
            case "text": step.text = try yaml.string(value, "\(name).text")
            case "input": step.input = try yaml.json(value)
            case "needs": step.needs = try yaml.strings(value, "\(name).needs")
            case "strict": step.strict = try yaml.bool(value, "\(name).strict")
            case "optional": step.optional = try yaml.bool(value, "\(name).optional")
            case "agents": step.agents = try yaml.strings(value, "\(name).agents")
            case "alternatives":
                guard let sequence = value.sequence else { throw yaml.fail(value, "\(name).alternatives must be a list, not a \(value.kindName)") }
                for item in sequence {
                    var alternative = WorkflowStep.Alternative(capability: "")
                    for (field, _, fieldValue) in try yaml.mapping(item, "an alternative", keys: ["capability", "input", "agents"], collecting: problems) {
                        switch field {
                        case "capability": alternative.capability = try yaml.string(fieldValue, "alternative capability")
                        case "input": alternative.input = try yaml.json(fieldValue)
                        default: alternative.agents = try yaml.strings(fieldValue, "alternative agents")
                        }
                    }
                    guard !alternative.capability.isEmpty else { throw yaml.fail(item, "an alternative needs a 'capability'") }
                    step.alternatives.append(alternative)
                }
            case "verify":
                var verification = WorkflowStep.Verification()
                for (field, _, fieldValue) in try yaml.mapping(value, "\(name).verify", keys: ["capability", "contains", "excludes"], collecting: problems) {
                    switch field {
                    case "capability": verification.capability = try yaml.string(fieldValue, "verify.capability")
                    case "contains": verification.contains = try yaml.strings(fieldValue, "verify.contains")
                    default: verification.excludes = try yaml.strings(fieldValue, "verify.excludes")
                    }
                }
                step.verify = verification
            case "max_attempts": step.maxAttempts = try yaml.integer(value, "\(name).max_attempts", minimum: 1, maximum: 1000)
            case "resources": step.resources = try yaml.strings(value, "\(name).resources")
            case "priority":
                step.priority = try yaml.integer(value, "\(name).priority", minimum: -1_000_000, maximum: 1_000_000)
            case "state":
                let text = try yaml.string(value, "\(name).state")
                guard let state = AgentState(name: text), [.planning, .executing, .verifying, .learning].contains(state) else {
                    throw yaml.fail(value, "\(name).state must be PLANNING, EXECUTING, VERIFYING or LEARNING, got '\(text)'")
                }
                step.state = state
            case "timeout_ms":
                // At most 30 days: longer is no timeout; leave the key out.
                step.timeoutMilliseconds = try yaml.integer(value, "\(name).timeout_ms", minimum: 1, maximum: 2_592_000_000)
            default: break
            }
        }

        func aggregate(_ node: Node) throws(YAMLProblem) -> Aggregation {
            if let word = node.scalar?.string {
                switch word {
                case "concat": return .concat(separator: "\n")
                case "vote": return .vote(normalization: .text)
                case "merge": return .merge(conflict: .fail)
                default: throw yaml.fail(node, "unknown aggregation '\(word)'; expected concat, vote or merge")
                }
            }
            let entries = try yaml.mapping(node, "aggregate", keys: ["strategy", "separator", "normalize", "conflict"], collecting: problems)
            guard let strategyNode = entries.first(where: { $0.0 == "strategy" })?.2 else {
                throw yaml.fail(node, "aggregate needs 'strategy': concat, vote or merge")
            }
            let field = { (key: String) in entries.first { $0.0 == key }?.2 }
            switch try yaml.string(strategyNode, "aggregate.strategy") {
            case "concat":
                return .concat(separator: field("separator")?.scalar?.string ?? "\n")
            case "vote":
                return .vote(normalization: try normalization(field("normalize")))
            case "merge":
                guard let ruleNode = field("conflict") else { return .merge(conflict: .fail) }
                let text = try yaml.string(ruleNode, "aggregate.conflict")
                guard let rule = MergeConflictRule(rawValue: text) else {
                    throw yaml.fail(ruleNode, "unknown merge rule '\(text)'; expected first, last or fail")
                }
                return .merge(conflict: rule)
            case let other:
                throw yaml.fail(strategyNode, "unknown aggregation '\(other)'; expected concat, vote or merge")
            }
        }

        func normalization(_ node: Node?) throws(YAMLProblem) -> Normalization {
            guard let node else { return .text }
            let text = try yaml.string(node, "normalize")
            guard let normalization = Normalization(name: text) else {
                throw yaml.fail(node, "unknown normalization '\(text)'; expected text, json or field:KEY")
            }
            return normalization
        }

        func consensus(_ node: Node) throws(YAMLProblem) -> ConsensusSpec {
            let entries = try yaml.mapping(node, "consensus", keys: ["capability", "input", "agents", "runs", "min_agreement", "normalize"],
                                           collecting: problems)
            guard let capabilityNode = entries.first(where: { $0.0 == "capability" })?.2 else {
                throw yaml.fail(node, "consensus needs 'capability'")
            }
            var spec = ConsensusSpec(capability: try yaml.string(capabilityNode, "consensus.capability"))
            for (key, _, value) in entries {
                switch key {
                case "input": spec.input = try yaml.json(value)
                case "agents": spec.agents = try yaml.strings(value, "consensus.agents")
                case "runs": spec.runs = try yaml.integer(value, "consensus.runs", minimum: 1, maximum: 1000)
                case "min_agreement":
                    let ratio = try yaml.number(value, "consensus.min_agreement")
                    guard ratio > 0, ratio <= 1 else { throw yaml.fail(value, "consensus.min_agreement must be in (0, 1], got \(ratio)") }
                    spec.minAgreement = ratio
                case "normalize": spec.normalization = try normalization(value)
                default: break
                }
            }
            return spec
        }
    }
}
