import Foundation
import GRDB
import Logging

extension TaskStore {
    /// The shared context of `scope` (`conversation:12`, `run:3`), loaded from
    /// the store; each change is written through.
    public func sharedContext(scope: String) throws(StoreError) -> SharedContext {
        let values = try read { db in
            var values: [String: [UInt8]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT key, value FROM shared_context WHERE scope = ?", arguments: [scope]) {
                values[row["key"]] = Array(row["value"] as Data)
            }
            return values
        }
        let logger = Logger(label: "agenthost.store")
        return SharedContext(values: values) { [self] key, value in
            do throws(StoreError) {
                try write(atomic: false) { db in
                    if let value {
                        try db.execute(sql: "INSERT OR REPLACE INTO shared_context (scope, key, value) VALUES (?, ?, ?)",
                                       arguments: [scope, key, Data(value)])
                    } else {
                        try db.execute(sql: "DELETE FROM shared_context WHERE scope = ? AND key = ?", arguments: [scope, key])
                    }
                }
            } catch {
                logger.error("shared context '\(scope)' key '\(key)' was not stored: \(error)")
            }
        }
    }

    /// One message of a conversation, as written.
    struct NewMessage: Sendable {
        var role: String
        var agent: String?
        var content: [UInt8]
        var taskID: Int64?
    }

    func insertConversation(strategy: TurnStrategy, participants: Data, policy: Data, createdUs: Int64, deadlineUs: Int64?,
                            agents: [Participant]) throws(StoreError) -> Int64 {
        try write { db in
            try db.execute(sql: """
                INSERT INTO conversation (strategy, participants, policy, status, created_us, deadline_us, owner_id)
                VALUES (?, ?, ?, 'open', ?, ?, ?)
                """, arguments: [strategy.rawValue, participants, policy, createdUs, deadlineUs, owner])
            let id = db.lastInsertedRowID
            for participant in agents {
                try db.execute(sql: """
                    INSERT OR IGNORE INTO conversation_agent (conversation_id, agent, role, turns, state) VALUES (?, ?, ?, 0, 'IDLE')
                    """, arguments: [id, participant.agent, participant.role])
            }
            return id
        }
    }

    /// Writes a message and the answers it got, with each answering agent's
    /// turn count and state, in one transaction.
    func recordTurn(conversation id: Int64, messages: [NewMessage], agents: [(agent: String, turns: Int, state: AgentState, task: Int64?)],
                    nextTurn: Int, events: [RunEvent]) throws(StoreError) {
        try write { db in
            try db.execute(sql: "UPDATE conversation SET next_turn = ? WHERE id = ?", arguments: [nextTurn, id])
            let now = WallClock.microseconds()
            for message in messages {
                try db.cachedStatement(sql: """
                    INSERT INTO conversation_message (conversation_id, role, agent, content, task_id, at_us) VALUES (?, ?, ?, ?, ?, ?)
                    """).execute(arguments: [id, message.role, message.agent, Data(message.content), message.taskID, now])
            }
            for agent in agents {
                try db.cachedStatement(sql: """
                    UPDATE conversation_agent SET turns = ?, state = ?, last_task_id = ? WHERE conversation_id = ? AND agent = ?
                    """).execute(arguments: [agent.turns, agent.state.name, agent.task, id, agent.agent])
            }
            for event in events { try Self.insert(event, in: db) }
        }
    }

    /// A stored conversation: its settings and each agent's turns so far.
    struct StoredConversation: Sendable {
        var strategy: String
        var participants: Data
        var policy: Data
        var createdUs: Int64
        var nextTurn: Int
        var turns: [String: Int]
    }

    func conversation(id: Int64) throws(StoreError) -> StoredConversation? {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM conversation WHERE id = ?", arguments: [id]) else { return nil }
            var turns: [String: Int] = [:]
            for agent in try Row.fetchAll(db, sql: "SELECT agent, turns FROM conversation_agent WHERE conversation_id = ?", arguments: [id]) {
                turns[agent["agent"]] = agent["turns"]
            }
            return StoredConversation(strategy: row["strategy"], participants: row["participants"], policy: row["policy"],
                                      createdUs: row["created_us"], nextTurn: row["next_turn"], turns: turns)
        }
    }

    /// Takes conversation `id` for this host and opens it again: refused
    /// while a live host holds it open.
    func claimConversation(_ id: Int64) throws(StoreError) -> StoredConversation? {
        let owner = owner
        let held: StoredHost? = try write { db -> StoredHost? in
            guard let row = try Row.fetchOne(db, sql: "SELECT status, owner_id FROM conversation WHERE id = ?", arguments: [id]) else { return nil }
            let status: String = row["status"]
            if status == "open", let holder: Int64 = row["owner_id"], holder != owner,
               let host = try StoredHost.fetchOne(db, key: holder), host.isAlive {
                return host
            }
            try db.execute(sql: "UPDATE conversation SET status = 'open', owner_id = ? WHERE id = ?", arguments: [owner, id])
            return nil
        }
        if let held {
            throw StoreError(path: path, kind: .notOwner, problem: "holds conversation \(id) open for \(held.describe()); end that chat first")
        }
        return try conversation(id: id)
    }

    /// Marks conversation `id` closed: it can be taken up again with `chat --resume`.
    func closeConversation(_ id: Int64) throws(StoreError) {
        try write(atomic: false) { db in
            try db.execute(sql: "UPDATE conversation SET status = 'closed' WHERE id = ? AND status = 'open'", arguments: [id])
        }
    }

    /// Where conversation `id` stands: open, closed or interrupted.
    public func conversationStatus(_ id: Int64) throws(StoreError) -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT status FROM conversation WHERE id = ?", arguments: [id]) }
    }

    /// The messages of conversation `id`, oldest first: (role, agent, content).
    public func messages(ofConversation id: Int64) throws(StoreError) -> [(role: String, agent: String?, content: String)] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT role, agent, content FROM conversation_message WHERE conversation_id = ? ORDER BY id",
                             arguments: [id]).map { row in
                (row["role"], row["agent"], String(decoding: row["content"] as Data, as: UTF8.self))
            }
        }
    }

    /// Each agent of conversation `id`: its role, turns taken and last state.
    public func agents(ofConversation id: Int64) throws(StoreError) -> [(agent: String, role: String, turns: Int, state: String)] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT agent, role, turns, state FROM conversation_agent WHERE conversation_id = ? ORDER BY agent",
                             arguments: [id]).map { ($0["agent"], $0["role"], $0["turns"], $0["state"]) }
        }
    }
}

/// One message of a conversation as stored: a person's message, or an
/// agent's answer with the task that made it.
public struct StoredMessage: Sendable {
    public var role: String
    /// Nil for a person's message.
    public var agent: String?
    /// The message, the agent's reply, or the error of a turn that failed.
    public var content: [UInt8]
    public var taskID: Int64?
    /// The answering task's status and capability; nil for a person's message.
    public var status: TaskStatus?
    public var capability: String?
}

extension TaskStore {
    /// The messages of conversation `id`, oldest first, each answer with its task's status and capability.
    public func storedMessages(ofConversation id: Int64) throws(StoreError) -> [StoredMessage] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT m.role, m.agent, m.content, m.task_id, t.status, t.routed_capability
                FROM conversation_message m LEFT JOIN task t ON t.id = m.task_id
                WHERE m.conversation_id = ? ORDER BY m.id
                """, arguments: [id]).map { row in
                StoredMessage(role: row["role"], agent: row["agent"], content: Array(row["content"] as Data), taskID: row["task_id"],
                              status: (row["status"] as String?).flatMap(TaskStatus.init(rawValue:)), capability: row["routed_capability"])
            }
        }
    }
}
