import CAgentHost

/// The host, as the plugin sees it outside any one request.
public struct PluginHost: @unchecked Sendable {
    // @unchecked: the table is owned by the host, constant, and valid until deinit.
    let raw: UnsafePointer<ah_host>

    public enum LogLevel: Int32, Sendable { case trace = 0, debug, info, warning, error }

    /// The host's name and semantic version, e.g. "agenthost" "0.1.0".
    public var name: String { raw.pointee.host_name.string }
    public var version: String { raw.pointee.host_version.string }

    /// Writes a line to the host's log, attributed to this plugin.
    public func log(_ level: LogLevel, _ message: String) { log(level, message, callID: 0) }

    func log(_ level: LogLevel, _ message: String, callID: UInt64) {
        withStr(message.utf8) { raw.pointee.log?(raw, callID, level.rawValue, $0) }
    }
}

extension ah_str {
    var string: String { String(decoding: bytes, as: UTF8.self) }
}
