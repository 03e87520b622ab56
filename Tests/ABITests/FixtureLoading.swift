import AgentHostCore
import AgentHostTestSupport
import Foundation

/// Installs `fixtures` into a fresh folder and loads that folder alone.
func load(_ fixtures: FixturePlugin...) throws -> (PluginRegistry, TemporaryFolder) {
    let folder = try TemporaryFolder("abi")
    for (index, fixture) in fixtures.enumerated() { try fixture.install(in: folder.url, folder: "\(index)-\(fixture.id)") }
    return (PluginRegistry(searchPath: PackagePaths.searchPath(folder.url)), folder)
}

/// The one refusal a registry of one plugin should hold.
func refusal(of fixture: FixturePlugin) throws -> PluginLoadError? {
    let (registry, folder) = try load(fixture)
    defer { folder.remove() }
    return registry.failures.first
}
