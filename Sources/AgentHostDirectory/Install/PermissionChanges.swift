import AgentHostCore

/// What a new release asks for that the installed one did not: an update
/// that asks for more needs a person's consent again.
public enum PermissionChanges {
    public static func added(from old: PluginManifest, to new: DirectoryIndex.Release) -> [String] {
        var added: [String] = []
        let before = old.permissions
        let hosts = new.permissions.network.filter { !before.network.contains($0) }
        if !hosts.isEmpty { added.append("network: \(hosts.joined(separator: ", "))") }
        let paths = new.permissions.paths.filter { !before.paths.contains($0) }
        if !paths.isEmpty { added.append("paths: \(paths.joined(separator: ", "))") }
        let commands = new.permissions.commands.filter { !before.commands.contains($0) }
        if !commands.isEmpty { added.append("commands: \(commands.joined(separator: ", "))") }
        let models = new.permissions.models.filter { !before.models.contains($0) }
        if !models.isEmpty { added.append("models: \(models.joined(separator: ", "))") }
        if new.permissions.timeoutMilliseconds > before.timeoutMilliseconds {
            added.append("timeout: \(before.timeoutMilliseconds) ms to \(new.permissions.timeoutMilliseconds) ms")
        }
        if new.permissions.maxOutputBytes > before.maxOutputBytes {
            added.append("output: \(before.maxOutputBytes) to \(new.permissions.maxOutputBytes) bytes")
        }
        // A manifest's limits can only lower the host's: a higher or a dropped one asks for more.
        for (name, value) in old.limits.sorted(by: { $0.key < $1.key }) {
            if let newValue = new.limits[name] {
                if newValue > value { added.append("\(name): \(value) to \(newValue)") }
            } else {
                added.append("\(name): \(value) to the host's limit")
            }
        }
        return added
    }
}
