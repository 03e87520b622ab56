import Foundation

extension RunExecution {
    /// What a step asked: the same question put to different agents may get contradictory answers.
    struct Question: Sendable, Hashable {
        var target: TaskRequest.Target
        var payload: [UInt8]
    }

    /// One attempt at a step, ready to call its agent on any thread.
    struct Job: Sendable {
        var step: Int
        var attempt: Int
        var agent: String
        var ready: AgentRuntime.Ready
        var taskID: Int64
        var question: Question
        var resources: [String]
        var priority: Int
        var verification: WorkflowStep.Verification?
        var stepID: String
        var runID: Int64?

        /// Takes the step's leases, calls the agent, checks the answer.
        func perform(runtime: AgentRuntime, leases: LeaseManager) -> Done {
            let start = WallClock.microseconds()
            var done = Done(step: step, attempt: attempt, agent: agent, taskID: taskID, question: question,
                            completion: nil, events: [], problem: nil, rejected: false, dispatched: false,
                            waitedMicroseconds: 0, microseconds: 0, resources: resources)
            let lease: LeaseManager.Lease?
            do throws(StoreError) {
                lease = resources.isEmpty ? nil : try leases.acquire(resources, priority: priority)
            } catch {
                done.problem = "its leases on \(resources.joined(separator: ", ")) could not be taken: \(error)"
                return done
            }
            defer { if let lease { leases.release(lease) } }
            done.waitedMicroseconds = lease?.waitedMicroseconds ?? 0
            do throws(StoreError) {
                let completion = try runtime.execute(ready, id: taskID, chain: nil)
                done.completion = completion
                if let error = completion.outcome.error {
                    done.problem = error.description
                } else if completion.outcome.status != .completed {
                    done.problem = "ended \(completion.outcome.status.rawValue)"
                } else if let verification, let rejection = verify(completion.outcome.result ?? [], by: verification, runtime: runtime) {
                    done.problem = rejection
                    done.rejected = true
                }
            } catch {
                done.problem = "a task it delegated could not be stored: \(error)"
            }
            done.microseconds = WallClock.microseconds() - start
            return done
        }

        /// Nil when `answer` passes `verification`, else why it was rejected.
        private func verify(_ answer: [UInt8], by verification: WorkflowStep.Verification, runtime: AgentRuntime) -> String? {
            let text = String(decoding: answer, as: UTF8.self)
            if let missing = verification.contains.first(where: { !text.contains($0) }) { return "the answer does not contain '\(missing)'" }
            if let found = verification.excludes.first(where: { text.contains($0) }) { return "the answer contains '\(found)'" }
            guard let capability = verification.capability else { return nil }
            var payload = Array("{\"step\":".utf8)
            JSONBytes.appendQuoted(stepID.utf8, to: &payload)
            payload += Array(",\"result\":".utf8)
            if JSONBytes.isValid(answer) { payload += answer } else { JSONBytes.appendQuoted(answer, to: &payload) }
            payload.append(UInt8(ascii: "}"))
            var request = TaskRequest(.capability(capability), payload: payload, state: .verifying)
            request.parentID = taskID > 0 ? taskID : nil
            request.origin = .verification
            request.runID = runID
            request.step = stepID
            let outcome: TaskOutcome
            do throws(StoreError) {
                outcome = try runtime.run(request)
            } catch {
                return "the verifier's task could not be stored: \(error)"
            }
            guard outcome.status == .completed, let reply = outcome.result else {
                return "the verifier '\(capability)' failed: \(outcome.error?.description ?? outcome.status.rawValue)"
            }
            guard let verdict = try? JSONValue(parsing: reply), case .bool(let accept)? = verdict.value(at: ["accept"]) else {
                return "the verifier '\(capability)' answered without a boolean \"accept\": \(String(decoding: reply.prefix(200), as: UTF8.self))"
            }
            if accept { return nil }
            let reason = verdict.value(at: ["reason"])?.text ?? "no reason given"
            return "the verifier '\(capability)' rejected it: \(reason)"
        }
    }

    /// What came of one attempt.
    struct Done: Sendable {
        var step: Int
        var attempt: Int
        var agent: String
        var taskID: Int64
        var question: Question
        /// The task's ending; nil when it failed before its agent was called.
        var completion: AgentRuntime.Completion?
        /// Events of a task that failed before its agent was called.
        var events: [TaskEvent]
        /// Why the attempt did not complete; nil when it did.
        var problem: String?
        var rejected: Bool
        var dispatched: Bool
        var waitedMicroseconds: Int64
        var microseconds: Int64
        var resources: [String] = []

        var resourcesDescription: String { resources.joined(separator: ", ") }
    }
}
