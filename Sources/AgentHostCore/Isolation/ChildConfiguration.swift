import Foundation

/// How to start one plugin's child: the helper, the plugin's binary, what the
/// child may read, its limits and its (scrubbed) environment.
struct ChildConfiguration: Sendable {
    var pluginID: String
    var helperPath: String
    var binaryPath: String
    /// Folders and files the child may read and map: its own folder and the
    /// system's libraries, nothing else.
    var readable: [String]
    var limits: PluginLimits

    var arguments: [String] {
        ["--plugin", binaryPath, "--host-version", AgentHost.version,
         "--memory-mb", "\(limits.memoryMB)", "--cpu-seconds", "\(limits.cpuSeconds)", "--open-files", "\(limits.openFiles)"]
            + readable.flatMap { ["--read", $0] }
    }

    /// Nothing of the host's environment reaches a plugin: no keys, no paths.
    var environment: [String] { ["LANG=C.UTF-8", "AGENTHOST_PLUGIN_ID=\(pluginID)"] }

    /// The system folders every plugin needs to load: the C library, the
    /// dynamic loader's cache, the Swift runtime the host itself uses.
    static let systemReadable: [String] = {
        var paths = ["/lib", "/lib64", "/usr/lib", "/usr/lib64", "/usr/local/lib", "/etc/ld.so.cache", "/etc/localtime",
                     "/usr/share/zoneinfo", "/proc/self", "/sys/devices/system/cpu", "/dev/null", "/dev/urandom"]
        // The Swift runtime, wherever this toolchain keeps it (Swift plugins link it).
        // /proc files report a size of 0: read to the end rather than by size.
        if let data = FileHandle(forReadingAtPath: "/proc/self/maps")?.readDataToEndOfFile() {
            for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where line.hasSuffix("/libswiftCore.so") {
                if let start = line.firstIndex(of: "/") {
                    paths.append(URL(fileURLWithPath: String(line[start...])).deletingLastPathComponent().path)
                    break
                }
            }
        }
        return paths
    }()

    /// `agenthost-plugin-host`: `$AGENTHOST_PLUGIN_HOST`, or beside the
    /// running executable (the build or install folder), or beside the
    /// bundled plugins.
    static func helperPath(bundledFolder: URL?) -> String? {
        helperPath(named: "agenthost-plugin-host", environmentVariable: "AGENTHOST_PLUGIN_HOST", bundledFolder: bundledFolder)
    }

    /// A helper executable of the host: named by `environmentVariable`, or
    /// beside the running executable, or beside the bundled plugins.
    static func helperPath(named name: String, environmentVariable: String, bundledFolder: URL?) -> String? {
        if let named = ProcessInfo.processInfo.environment[environmentVariable], !named.isEmpty {
            // Absolute: a child may start in another folder, where a relative path names nothing.
            return URL(fileURLWithPath: named).standardizedFileURL.path
        }
        let candidates = [PluginSearchPath.bundledFolderOfRunningExecutable(), bundledFolder].compactMap { $0 }
        return candidates.map { $0.appendingPathComponent(name).path }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
