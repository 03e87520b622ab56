import Foundation
import Logging

/// Log records as JSON lines on standard error (`--log-format json`):
/// `{"ts": RFC 3339 with microseconds, "level", "logger", "message", ...metadata}`,
/// the metadata flattened to top-level keys. A plugin's log lines carry the
/// `task`, `run`, `step`, `agent`, `trace_id` and `span_id` of its call, so a
/// log search joins a trace.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level
    private let label: String

    public init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = metadata
        if let provided = metadataProvider?.get() { fields.merge(provided) { _, new in new } }
        if let own = event.metadata { fields.merge(own) { _, new in new } }
        var json = JSONWriter(capacity: 256)
        json.beginObject()
        json.key("ts"); json.string(Self.timestamp())
        json.key("level"); json.string(event.level.rawValue)
        json.key("logger"); json.string(label)
        json.key("message"); json.string(event.message.description)
        if let error = event.error { json.key("error"); json.string("\(error)") }
        var written: [UInt8] = json.bytes
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) where !["ts", "level", "logger", "message", "error"].contains(key) {
            written.append(UInt8(ascii: ","))
            JSONBytes.appendQuoted(key.utf8, to: &written)
            written.append(UInt8(ascii: ":"))
            Self.write(value, to: &written)
        }
        written += Array("}\n".utf8)
        FileHandle.standardError.write(Data(written))
    }

    private static func write(_ value: Logger.Metadata.Value, to bytes: inout [UInt8]) {
        switch value {
        case .string(let text): JSONBytes.appendQuoted(text.utf8, to: &bytes)
        case .stringConvertible(let item): JSONBytes.appendQuoted(item.description.utf8, to: &bytes)
        case .array(let items):
            bytes.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                write(item, to: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case .dictionary(let fields):
            bytes.append(UInt8(ascii: "{"))
            for (index, (key, item)) in fields.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                JSONBytes.appendQuoted(key.utf8, to: &bytes)
                bytes.append(UInt8(ascii: ":"))
                write(item, to: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// Now, as 2026-12-07T22:54:34.123456Z.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var time = time_t(now.tv_sec)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), Int(now.tv_nsec / 1000))
    }
}
