import AgentHostCore
import Foundation

/// Fixture plugins installed in a fresh folder, loaded by a host with
/// `policy`, and a real SQLite task store in the same folder.
public final class RuntimeFixture: Sendable {
    public let folder: TemporaryFolder
    public let runtime: AgentRuntime
    public var host: AgentHost { runtime.host }
    public var store: TaskStore { runtime.store }

    public init(_ fixtures: [FixturePlugin], policy: Policy = .standard, withBundled: Bool = false) throws {
        folder = try TemporaryFolder("runtime")
        for (index, fixture) in fixtures.enumerated() { try fixture.install(in: folder.url, folder: "\(index)-\(fixture.id)") }
        var folders = [folder.url]
        if withBundled {
            folders += ["KnowledgeAgent", "PlannerAgent"].map { PackagePaths.bundledPluginFolder(target: $0) }
        }
        let searchPath = PluginSearchPath(folders: folders.map { .init(url: $0, origin: .commandLine) },
                                          bundledFolder: PackagePaths.buildFolder)
        let host = AgentHost(registry: PluginRegistry(searchPath: searchPath, policy: policy), policy: policy)
        runtime = AgentRuntime(host: host, store: try TaskStore(path: folder.url.appendingPathComponent("state.sqlite").path))
    }

    deinit { folder.remove() }
}
