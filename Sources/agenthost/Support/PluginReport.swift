import AgentHostCore
import AgentHostDirectory
import Foundation

/// How the CLI shows plugin records, as text or JSON.
enum PluginReport {
    /// The error that keeps the plugin from running: refused at load, or
    /// refused by its own process when `prepared` started it.
    static func refusal(_ record: PluginRecord, prepared: Result<IsolationProtections, PluginFault>?) -> (problem: String, fix: String)? {
        if let error = record.error { return (error.problem, error.fix) }
        switch prepared {
        case .failure(.refused(let error))?: return (error.problem, error.fix)
        case .failure(let fault)?: return (fault.description, "Run `agenthost plugins info \(fault.plugin) --log-level debug` to see its log.")
        default: return nil
        }
    }

    /// Where a plugin came from and whether its signature was checked: one line of `plugins list`.
    static func source(of record: PluginRecord, installer: PluginInstaller) -> String {
        if let installed = installed(record, installer: installer) {
            return "from directory '\(installed.directory)' (\(installed.location)), \(installed.signature), installed \(installed.installed.formatted(.iso8601))"
        }
        return record.origin == .bundled ? "bundled with the host" : "not from a directory: no signature was checked"
    }

    static func installed(_ record: PluginRecord, installer: PluginInstaller) -> InstalledPlugin? {
        let folder = record.manifestURL.deletingLastPathComponent()
        guard folder.deletingLastPathComponent().standardizedFileURL.path == installer.pluginsFolder.standardizedFileURL.path else { return nil }
        return installer.installed(folder.lastPathComponent)
    }

    static func text(_ record: PluginRecord, prepared: Result<IsolationProtections, PluginFault>? = nil, source: String? = nil) -> String {
        let id = record.manifest?.id ?? record.error?.pluginID ?? "(unreadable manifest)"
        let version = record.manifest?.version ?? "?"
        let refused = refusal(record, prepared: prepared)
        let status = refused != nil ? "REFUSED" : record.plugin.map { "loaded, \($0.isolation)\($0.isTrusted ? ", trusted" : "")" } ?? "REFUSED"
        var lines = ["\(id) \(version)  \(status)  [\(record.origin)] \(record.manifestURL.path)"]
        if let source { lines.append("  source: \(source)") }
        if let manifest = record.manifest {
            lines.append("  capabilities: \(manifest.capabilities.map(\.name).joined(separator: ", "))")
            if !manifest.tools.isEmpty {
                lines.append("  tools: \(manifest.tools.map { "\($0.name) \($0.signature)" }.joined(separator: ", "))")
            }
        }
        if let refused { lines.append("  why: \(refused.problem). \(refused.fix)") }
        return lines.joined(separator: "\n")
    }

    /// A declared input type's fields in one line: `query (string, required), top_k (integer, 1...100)`.
    static func fields(of schema: JSONValue) -> String {
        guard case .object(let properties)? = schema["properties"] else { return "" }
        let required: Set<String> = if case .array(let names)? = schema["required"] { Set(names.map(\.text)) } else { [] }
        return properties.keys.sorted { (required.contains($0) ? 0 : 1, $0) < (required.contains($1) ? 0 : 1, $1) }.map { name in
            let rule = properties[name]!
            var facts: [String] = []
            switch rule["type"] {
            case .string(let type)?: facts.append(type)
            case .array(let types)?: facts.append(types.map(\.text).joined(separator: " or "))
            default: break
            }
            if case .array(let options)? = rule["enum"] { facts.append("one of " + options.map(\.text).joined(separator: ", ")) }
            let low = rule["minimum"].map(\.text), high = rule["maximum"].map(\.text)
            if low != nil || high != nil { facts.append("\(low ?? "")...\(high ?? "")") }
            if required.contains(name) { facts.append("required") }
            return facts.isEmpty ? name : "\(name) (\(facts.joined(separator: ", ")))"
        }.joined(separator: ", ")
    }

    /// Where a plugin runs, and why, in words.
    static func mode(of plugin: LoadedPlugin) -> String {
        switch plugin.isolation {
        case .inProcess:
            "in-process (\(plugin.isTrusted ? "trusted: bundled with the host or trusted by the policy" : "the policy asks for it"))"
        case .process:
            "isolated in its own process (\(plugin.isTrusted ? "the policy asks for it" : "not trusted"))"
        }
    }

    static func details(_ record: PluginRecord, prepared: Result<IsolationProtections, PluginFault>? = nil) -> String {
        var lines = [text(record, prepared: prepared)]
        if let plugin = record.plugin {
            lines.append("  runs: \(mode(of: plugin))")
            switch prepared {
            case .success(let protections)?:
                for (name, holds) in protections.list { lines.append("  protection: \(holds ? "holds" : "NOT held on this kernel"): \(name)") }
                if let abi = protections.landlockABI { lines.append("  protection: Landlock ABI \(abi)") }
            case .failure?:
                break
            case nil:
                lines.append("  protection: none; it runs in the host's process with the host's rights")
            }
        }
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
            let words = capability.textInput.map { "takes words in '\($0)'" } ?? "takes no words (run it by name with --input)"
            lines.append("    \(words)" + (capability.keywords.isEmpty ? "" : "; keywords: \(capability.keywords.joined(separator: ", "))"))
            if let input = capability.input.map(Self.fields(of:)), !input.isEmpty { lines.append("    input: \(input)") }
        }
        for tool in manifest.tools {
            lines.append("  tool \(tool.name) \(tool.signature) in \(tool.states)\(tool.description.isEmpty ? "" : ": \(tool.description)")")
        }
        if !manifest.handoffs.isEmpty { lines.append("  hands off to: \(manifest.handoffs.map(\.target).joined(separator: ", "))") }
        let permissions = manifest.permissions
        if !(permissions.network.isEmpty && permissions.paths.isEmpty && permissions.commands.isEmpty && permissions.models.isEmpty) {
            lines.append("  permissions: network \(permissions.network), paths \(permissions.paths), commands \(permissions.commands), "
                         + "models \(permissions.models)")
        }
        return lines.joined(separator: "\n")
    }

    static func json(_ records: [PluginRecord], prepared: [Result<IsolationProtections, PluginFault>?], installer: PluginInstaller) throws -> String {
        struct Entry: Encodable {
            var id: String?
            var version: String?
            var status: String
            var origin: String
            var manifest: String
            var binary: String?
            var capabilities: [String]
            var tools: [String]
            var isolation: String?
            var trusted: Bool?
            var error: String?
            /// For a plugin installed from a directory: which, and who signed it.
            var directory: String?
            var publisher: String?
            var signed: Bool?
        }
        let entries = zip(records, prepared).map { record, prepared in
            let installed = installed(record, installer: installer)
            return Entry(id: record.manifest?.id ?? record.error?.pluginID, version: record.manifest?.version,
                  status: refusal(record, prepared: prepared) == nil ? "loaded" : "refused", origin: record.origin.rawValue,
                  manifest: record.manifestURL.path, binary: record.plugin?.binaryPath,
                  capabilities: record.manifest?.capabilities.map(\.name) ?? [],
                  tools: record.manifest?.tools.map { "\($0.name) \($0.signature)" } ?? [],
                  isolation: record.plugin?.isolation.rawValue, trusted: record.plugin?.isTrusted,
                  error: record.error?.description ?? refusal(record, prepared: prepared).map { "\($0.problem). \($0.fix)" },
                  directory: installed?.directory, publisher: installed?.publisher, signed: installed.map { $0.publisher != nil })
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(entries), as: UTF8.self)
    }
}
