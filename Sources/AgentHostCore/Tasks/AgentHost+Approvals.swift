import CAgentHost
import Foundation
import Logging

/// How an action that needs approval may go on.
enum ApprovalOutcome: Sendable {
    /// Approved: carry it out, then record what it returned under `approval`.
    case proceed(approval: Int64)
    /// Approved and carried out before (an earlier attempt of the step): this is what it returned.
    case recorded(status: ah_status, result: [UInt8])
    case denied(String)
    case cancelled(String)
}

extension AgentHost {
    static let approvalLogger = Logger(label: "agenthost.approvals")

    /// Waits for a person to approve `subject`, as the policy's `approvals:`
    /// asks: recorded in the store first (the task shows `waiting_approval`),
    /// decided from any process, and found again by a host that resumes the
    /// run after this one stopped. An action approved and carried out in an
    /// earlier attempt of the same step is not carried out again.
    func awaitApproval(_ call: ActiveCall, kind: StoredApproval.Kind, subject: String, arguments: [UInt8]) -> ApprovalOutcome {
        guard let store = call.ledger?.store else {
            return .denied("'\(subject)' needs a person's approval (the policy's approvals), but this host keeps no task store to wait in")
        }
        // The same arguments in another key order are the same action (a plugin's JSON writer need not keep an order).
        let canonical = (try? JSONValue(parsing: arguments))?.canonicalBytes ?? arguments
        let agent = call.plugin.id, hash = StableHash.hex(of: canonical)
        let runID = call.ledger?.runID, step = call.options.step, taskID = call.taskRowID
        let used = call.work.withLock { $0.usedApprovals }
        var approval: StoredApproval?
        do throws(StoreError) {
            approval = try store.approvals(runID: runID, step: step, taskID: taskID, agent: agent, kind: kind, subject: subject,
                                           argumentsHash: hash).first { !used.contains($0.id) }
            if approval == nil {
                let id = try store.requestApproval(taskID: taskID, runID: runID, step: step, agent: agent, kind: kind, subject: subject,
                                                   arguments: arguments, argumentsHash: hash)
                Self.approvalLogger.warning("""
                    approval \(id) needed: '\(agent)' wants the \(kind.rawValue) '\(subject)' with \(String(decoding: arguments.prefix(200), as: UTF8.self)); \
                    decide with `agenthost approvals approve \(id)` or `agenthost approvals deny \(id) --reason ...`
                    """)
                approval = try store.approval(id: id)
            }
        } catch {
            return .denied("'\(subject)' needs approval, and the store could not record the request: \(error)")
        }
        guard var current = approval else { return .denied("approval for '\(subject)' vanished from the store") }
        call.work.withLock { _ = $0.usedApprovals.insert(current.id) }
        while current.status == .pending {
            if call.isCancelled { return .cancelled("cancelled while waiting for approval \(current.id) of '\(subject)'") }
            Thread.sleep(forTimeInterval: 0.1)
            do throws(StoreError) {
                guard let next = try store.approval(id: current.id) else { return .denied("approval \(current.id) was removed from the store") }
                current = next
            } catch {
                return .denied("approval \(current.id): the store could not be read (\(error))")
            }
        }
        try? store.resumeWaitingTask(taskID, approval: current)
        switch current.status {
        case .denied:
            return .denied("a person denied \(kind.rawValue) '\(subject)' (approval \(current.id))\(current.reason.map { ": \($0)" } ?? "")")
        case .approved:
            if let result = current.result, let status = current.resultStatus { return .recorded(status: status, result: Array(result)) }
            return .proceed(approval: current.id)
        case .pending:
            return .denied("approval \(current.id) is still pending")
        }
    }

    /// Keeps what an approved action returned; a failure to write is logged, the action already happened.
    func recordApproved(_ call: ActiveCall, approval: Int64, status: ah_status, result: [UInt8]) {
        do throws(StoreError) {
            try call.ledger?.store?.recordApprovalResult(approval, status: status, result: result)
        } catch {
            Self.approvalLogger.error("approval \(approval): what the approved action returned could not be recorded: \(error)")
        }
    }
}

/// FNV-1a over bytes: a stable name for a request or arguments, to find
/// the same one again after a restart. Not a defence against anyone.
enum StableHash {
    static func hex(of bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let text = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - text.count) + text
    }
}
