import AgentHostCore
import Foundation

/// How the CLI shows plugin records, as text or JSON.
enum PluginReport {
    static func text(_ record: PluginRecord) -> String {
        let id = record.manifest?.id ?? record.error?.pluginID ?? "(unreadable manifest)"
        let version = record.manifest?.version ?? "?"
        var lines = ["\(id) \(version)  \(record.plugin == nil ? "REFUSED" : "loaded")  [\(record.origin)] \(record.manifestURL.path)"]
        if let manifest = record.manifest {
            lines.append("  capabilities: \(manifest.capabilities.map(\.name).joined(separator: ", "))")
            if !manifest.tools.isEmpty {
                lines.append("  tools: \(manifest.tools.map { "\($0.name) \($0.signature)" }.joined(separator: ", "))")
            }
        }
        if let error = record.error { lines.append("  why: \(error.problem). \(error.fix)") }
        return lines.joined(separator: "\n")
    }

    static func details(_ record: PluginRecord) -> String {
        var lines = [text(record)]
        guard let manifest = record.manifest else { return lines.joined(separator: "\n") }
        lines.append("  name: \(manifest.name)")
        if !manifest.description.isEmpty { lines.append("  description: \(manifest.description)") }
        lines.append("  abi: \(manifest.abi)  toolchain: \(manifest.toolchain.isEmpty ? "unstated" : manifest.toolchain)")
        lines.append("  thread-safe: \(manifest.threadSafe ? "yes" : "no (calls are serialized)")")
        if let plugin = record.plugin { lines.append("  binary: \(plugin.binaryPath)") }
        for capability in manifest.capabilities {
            var cost: [String] = []
            if let ms = capability.estimatedMilliseconds { cost.append("~\(ms) ms") }
            if let price = capability.estimatedCost { cost.append("cost \(price)") }
            lines.append("  capability \(capability.name)\(cost.isEmpty ? "" : " (\(cost.joined(separator: ", ")))"): \(capability.description)")
        }
        for tool in manifest.tools {
            lines.append("  tool \(tool.name) \(tool.signature) in \(tool.states)\(tool.description.isEmpty ? "" : ": \(tool.description)")")
        }
        if !manifest.handoffs.isEmpty { lines.append("  hands off to: \(manifest.handoffs.map(\.target).joined(separator: ", "))") }
        let permissions = manifest.permissions
        if !(permissions.network.isEmpty && permissions.paths.isEmpty && permissions.commands.isEmpty) {
            lines.append("  permissions: network \(permissions.network), paths \(permissions.paths), commands \(permissions.commands)")
        }
        return lines.joined(separator: "\n")
    }

    static func json(_ records: [PluginRecord]) throws -> String {
        struct Entry: Encodable {
            var id: String?
            var version: String?
            var status: String
            var origin: String
            var manifest: String
            var binary: String?
            var capabilities: [String]
            var tools: [String]
            var error: String?
        }
        let entries = records.map { record in
            Entry(id: record.manifest?.id ?? record.error?.pluginID, version: record.manifest?.version,
                  status: record.plugin == nil ? "refused" : "loaded", origin: record.origin.rawValue,
                  manifest: record.manifestURL.path, binary: record.plugin?.binaryPath,
                  capabilities: record.manifest?.capabilities.map(\.name) ?? [],
                  tools: record.manifest?.tools.map { "\($0.name) \($0.signature)" } ?? [],
                  error: record.error?.description)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(entries), as: UTF8.self)
    }
}
