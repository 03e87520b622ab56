import AgentHostCore
import AgentHostDirectory
import Foundation

/// What a person sees before a plugin is installed: what it is, who signed
/// it, what it may do and how it will run; and their answer.
enum InstallConsent {
    static func summary(_ candidate: ReleaseCandidate, policy: Policy) -> String {
        let release = candidate.release
        var lines = ["\(candidate.plugin.id) \(release.version) (\(release.platform)) from \(candidate.directory.label), "
                     + "\(ByteCount.text(release.size))"]
        lines.append("  publisher: " + (release.publisherKey.map { "\($0), signature checked before anything is unpacked" } ?? "NONE: the package is unsigned"))
        let permissions = release.permissions
        func list(_ values: [String]) -> String { values.isEmpty ? "none" : values.joined(separator: ", ") }
        lines.append("  it asks for:")
        lines.append("    network hosts: \(list(permissions.network))")
        lines.append("    paths: \(list(permissions.paths))")
        lines.append("    commands: \(list(permissions.commands))")
        lines.append("    models: \(permissions.models.isEmpty ? "none" : list(permissions.models) + " (calls made and paid for by this host, within your policy's budgets)")")
        lines.append("    each request: up to \(permissions.timeoutMilliseconds) ms and \(ByteCount.text(permissions.maxOutputBytes)) of output")
        let placement = policy.placement(ofPlugin: candidate.plugin.id, declaredLimits: release.limits)
        let limits = placement.limits
        switch placement.isolation {
        case .process:
            lines.append("  it will run: isolated in its own process (\(placement.trusted ? "the policy asks for it" : "not trusted")): "
                         + "no files, network or programs of its own, only the host services above; "
                         + "memory \(limits.memoryMB) MiB, CPU \(limits.cpuSeconds) s, \(limits.openFiles) open files")
        case .inProcess:
            lines.append("  it will run: IN THE HOST'S PROCESS (\(placement.trusted ? "your policy trusts it" : "your policy asks for it")): it can do anything you can")
        }
        if bundledIDs.contains(candidate.plugin.id) {
            lines.append("  note: \(candidate.plugin.id) is also bundled with the host; once installed, this one is used instead"
                         + " (`plugins list` shows the bundled one refused as a duplicate; `plugins remove \(candidate.plugin.id)` brings it back)")
        }
        return lines.joined(separator: "\n")
    }

    /// The ids of the plugins built with the host, read from their manifests (no plugin code runs).
    private static let bundledIDs: Set<String> = {
        guard let folder = PluginSearchPath.bundledFolderOfRunningExecutable() else { return [] }
        return Set(PluginSearchPath.manifests(in: folder).compactMap { try? PluginManifest.load(from: $0).id })
    }()

    /// True when `yes` was passed or the person answers y; stdin at its end is a no.
    static func ask(_ question: String, yes: Bool) -> Bool {
        if yes { return true }
        FileHandle.standardError.write(Data("\(question) [y/N] ".utf8))
        var lines = InputLines()
        guard let answer = lines.next() else {
            FileHandle.standardError.write(Data("\n".utf8))
            return false
        }
        return ["y", "yes"].contains(String(decoding: answer, as: UTF8.self).trimmingCharacters(in: .whitespaces).lowercased())
    }
}
