import AgentHostCore
import Foundation

/// Where things are in this package and its build, for tests.
public enum PackagePaths {
    /// The package root, from this file's place in the source tree.
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static let sdkInclude = root.appendingPathComponent("sdk/include")
    public static let fixtureSource = root.appendingPathComponent("Tests/Fixtures/fixture_plugin.c")

    /// The build folder the tests run from: the bundled plugins and the
    /// `agenthost` executable are here.
    public static let buildFolder: URL = PluginSearchPath.bundledFolderOfRunningExecutable()!

    /// Where tests keep what a person may want to look at afterwards (screenshots):
    /// $AGENTHOST_TEST_ARTIFACTS, else .build/test-artifacts.
    public static let testArtifacts = URL(fileURLWithPath: ProcessInfo.processInfo.environment["AGENTHOST_TEST_ARTIFACTS"]
        ?? root.appendingPathComponent(".build/test-artifacts").path)

    public static var agenthostExecutable: URL { buildFolder.appendingPathComponent("agenthost") }

    /// The folder of a bundled plugin's manifest (a SwiftPM resource bundle).
    public static func bundledPluginFolder(target: String) -> URL {
        buildFolder.appendingPathComponent("AgentHost_\(target).resources")
    }

    /// A search path with only `folders` and the build folder for binaries;
    /// no user folder and no environment, so tests see only what they chose.
    public static func searchPath(_ folders: URL...) -> PluginSearchPath {
        PluginSearchPath(folders: folders.map { .init(url: $0, origin: .commandLine) }, bundledFolder: buildFolder)
    }
}

/// A fresh folder under the system's temporary folder, removed by `remove()`.
public struct TemporaryFolder: Sendable {
    public let url: URL

    public init(_ label: String = "test") throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("agenthost-\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public func file(_ relative: String, _ text: String) throws {
        let file = url.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: file)
    }

    public func remove() { try? FileManager.default.removeItem(at: url) }
}
