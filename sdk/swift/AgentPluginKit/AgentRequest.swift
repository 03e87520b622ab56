import CAgentHost
import Foundation
import Synchronization

/// One request, with the host services that act on its behalf. Valid only
/// while ``AgentPlugin/handle(_:)`` runs: the call-scoped services fail after.
public struct AgentRequest: Sendable {
    public let capability: String
    public let taskID: String
    public let state: AgentState
    /// The payload: UTF-8 JSON, exactly as the caller sent it.
    public let payload: [UInt8]
    /// The wall-clock deadline in nanoseconds since the Unix epoch, if any.
    public let deadlineNanoseconds: Int64?
    /// The W3C `traceparent` of the host's span for this call, so spans the
    /// plugin makes join the host's trace; nil when the host traces nothing
    /// (or is older than the field).
    public let traceparent: String?
    public let host: PluginHost
    let callID: UInt64

    init(_ raw: ah_request, host: PluginHost) {
        capability = raw.capability.string
        taskID = raw.task_id.string
        state = AgentState(rawValue: raw.state) ?? .executing
        payload = raw.payload.bytes
        deadlineNanoseconds = raw.deadline_ns == 0 ? nil : raw.deadline_ns
        let appended = MemoryLayout<ah_request>.offset(of: \ah_request.traceparent) ?? Int.max
        traceparent = Int(raw.struct_size) > appended && raw.traceparent.len > 0 ? raw.traceparent.string : nil
        self.host = host
        callID = raw.call_id
    }

    public var text: String { String(decoding: payload, as: UTF8.self) }

    /// Decodes the payload, or throws an invalid-argument error naming what is wrong.
    public func decode<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(payload))
        } catch let DecodingError.keyNotFound(key, _) {
            throw AgentError.invalidArgument("\(capability) needs the field \"\(key.stringValue)\" in its input")
        } catch let DecodingError.typeMismatch(_, context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw AgentError.invalidArgument("\(capability): field \"\(field)\" has the wrong type (\(context.debugDescription))")
        } catch {
            throw AgentError.invalidArgument("\(capability) expects a JSON object as input: \(error)")
        }
    }

    /// True once the host cancelled this call or its deadline passed; poll it
    /// in long loops and throw ``AgentError/cancelled(_:)``.
    public var isCancelled: Bool { host.raw.pointee.is_cancelled?(host.raw, callID) ?? false }

    public func log(_ level: PluginHost.LogLevel, _ message: String) { host.log(level, message, callID: callID) }

    /// Reports progress; `fraction` in 0...1, or nil when unknown.
    public func reportProgress(_ fraction: Double?, _ message: String) {
        withStr(message.utf8) { host.raw.pointee.progress?(host.raw, callID, fraction ?? -1, $0) }
    }

    /// Runs `capability` as a sub-task and returns its JSON result.
    public func delegate(_ capability: String, payload: [UInt8]) throws -> [UInt8] {
        guard let delegate = host.raw.pointee.delegate else { throw AgentError.unsupported("the host cannot delegate") }
        let collector = ByteCollector()
        let status = withStr(capability.utf8) { name in
            withStr(payload) { body in collector.withSink { delegate(host.raw, callID, name, body, $0) } }
        }
        guard status == Int32(AH_OK) else { throw AgentError(status: status, message: String(decoding: collector.bytes, as: UTF8.self)) }
        return collector.bytes
    }

    /// Asks the host to hand this task to `target` (an agent id the manifest
    /// declares under "handoffs") once this call returns.
    public func requestHandoff(to target: String, reason: String, context: [UInt8] = Array("{}".utf8)) throws {
        guard let request = host.raw.pointee.request_handoff else { throw AgentError.unsupported("the host has no handoffs") }
        let status = withStr(target.utf8) { t in withStr(reason.utf8) { r in withStr(context) { c in request(host.raw, callID, t, r, c) } } }
        guard status == Int32(AH_OK) else {
            throw AgentError(status: status, message: "the host refused the handoff to '\(target)' (status \(status))")
        }
    }

    /// Reads `key` from the run's shared context; nil when it is not set.
    public func sharedValue(for key: String) throws -> [UInt8]? {
        guard let get = host.raw.pointee.context_get else { return nil }
        let collector = ByteCollector()
        let status = withStr(key.utf8) { k in collector.withSink { get(host.raw, callID, k, $0) } }
        if status == Int32(AH_ERR_NOT_FOUND) { return nil }
        guard status == Int32(AH_OK) else { throw AgentError(status: status, message: "reading shared context '\(key)' failed") }
        return collector.bytes
    }

    /// Sets `key` in the run's shared context to UTF-8 JSON; nil removes it.
    public func setSharedValue(_ value: [UInt8]?, for key: String) throws {
        guard let set = host.raw.pointee.context_set else { throw AgentError.unsupported("the host has no shared context") }
        let status = withStr(key.utf8) { k in withStr(value ?? []) { v in set(host.raw, callID, k, v) } }
        guard status == Int32(AH_OK) else { throw AgentError(status: status, message: "writing shared context '\(key)' failed") }
    }

    /// The capabilities the host can route to, through its registry extension.
    public func availableCapabilities() throws -> [AvailableCapability] {
        guard let table = host.raw.pointee.get_extension?(host.raw, AH_EXTENSION_REGISTRY)?
            .assumingMemoryBound(to: ah_host_registry.self).pointee, let list = table.list_capabilities else {
            throw AgentError.unsupported("the host does not offer \(AH_EXTENSION_REGISTRY)")
        }
        let collector = ByteCollector()
        let status = collector.withSink { list(host.raw, callID, $0) }
        guard status == Int32(AH_OK) else { throw AgentError(status: status, message: "listing capabilities failed") }
        // The host builds its list once, so the same bytes come back call after call: decode them once.
        // (Keyed by the bytes, not the host: one loaded plugin may serve several hosts.)
        if let cached = Self.decodedCapabilities.withLock({ $0 }), cached.bytes == collector.bytes { return cached.list }
        do {
            let list = try JSONDecoder().decode([AvailableCapability].self, from: Data(collector.bytes))
            Self.decodedCapabilities.withLock { $0 = (collector.bytes, list) }
            return list
        } catch {
            throw AgentError.failed("the host's capability list is not what \(AH_EXTENSION_REGISTRY) specifies: \(error)")
        }
    }

    private static let decodedCapabilities = Mutex<(bytes: [UInt8], list: [AvailableCapability])?>(nil)
}

/// A capability the host can route to, from ``AgentRequest/availableCapabilities()``.
public struct AvailableCapability: Sendable, Hashable, Decodable {
    public var name: String
    public var agent: String
    public var description: String
    /// Words that route free text to it.
    public var keywords: [String]
    /// What its manifest estimates one call takes and costs; nil when not declared.
    public var estimatedMilliseconds: Double?
    public var estimatedCost: Double?
    /// The states it runs in ("EXECUTING", ...).
    public var states: [String]
    /// The fields its output type declares (top-level properties), for wiring
    /// one step's result into the next one's input.
    public var outputFields: [String]
    /// The names of the fields the capability's input requires, with each one's
    /// declared default when it has one (from its JSON Schema input type).
    public var requiredInputs: [(name: String, type: String?, defaultValue: String?)] { inputFields.required }
    /// The input field that takes a task in words; nil when it takes none.
    public var textInput: String?

    /// The values an input field's `enum` allows; nil when it has none.
    public func allowedValues(of field: String) -> [String]? { inputFields.properties[field]?.allowed }

    private var inputFields: InputFields

    enum CodingKeys: String, CodingKey {
        case name, agent, description, input, output, keywords, states
        case estimatedMilliseconds = "estimated_ms"
        case estimatedCost = "estimated_cost"
        case textInput = "text_input"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        agent = try container.decode(String.self, forKey: .agent)
        description = try container.decode(String.self, forKey: .description)
        inputFields = (try? container.decodeIfPresent(InputFields.self, forKey: .input)) ?? InputFields()
        keywords = (try? container.decodeIfPresent([String].self, forKey: .keywords)) ?? []
        estimatedMilliseconds = try? container.decodeIfPresent(Double.self, forKey: .estimatedMilliseconds)
        estimatedCost = try? container.decodeIfPresent(Double.self, forKey: .estimatedCost)
        states = (try? container.decodeIfPresent([String].self, forKey: .states)) ?? []
        textInput = try? container.decodeIfPresent(String.self, forKey: .textInput)
        outputFields = ((try? container.decodeIfPresent(InputFields.self, forKey: .output)) ?? InputFields()).properties.keys.sorted()
    }

    public static func == (a: Self, b: Self) -> Bool { a.name == b.name && a.agent == b.agent }
    public func hash(into hasher: inout Hasher) { hasher.combine(name); hasher.combine(agent) }
}

/// The part of a JSON Schema input type a plugin needs to fill an input in.
struct InputFields: Decodable, Sendable {
    struct Property: Decodable, Sendable {
        var type: String?
        var `default`: String?
        /// The string values of its `enum`.
        var allowed: [String]?

        enum CodingKeys: String, CodingKey { case type, `default`, `enum` }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            type = try? container.decodeIfPresent(String.self, forKey: .type)
            `default` = try? container.decodeIfPresent(String.self, forKey: .default)
            allowed = try? container.decodeIfPresent([String].self, forKey: .enum)
        }
    }

    var requiredNames: [String] = []
    var properties: [String: Property] = [:]

    enum CodingKeys: String, CodingKey { case required, properties }

    init() {}

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        requiredNames = (try? container.decodeIfPresent([String].self, forKey: .required)) ?? []
        properties = (try? container.decodeIfPresent([String: Property].self, forKey: .properties)) ?? [:]
    }

    var required: [(name: String, type: String?, defaultValue: String?)] {
        requiredNames.map { ($0, properties[$0]?.type, properties[$0]?.default) }
    }
}
