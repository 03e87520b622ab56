// JSONValue and the byte-level JSON helpers are the SDK's (sdk/swift/AgentJSON),
// shared with Swift plugins; they are part of the host's public API as before.
@_exported import AgentJSON
