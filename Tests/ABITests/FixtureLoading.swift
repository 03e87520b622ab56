import AgentHostCore
import AgentHostTestSupport
import Foundation
import Testing

/// Installs `fixtures` into a fresh folder and loads that folder alone, each
/// plugin in `isolation` (in this process unless a test asks otherwise).
func load(_ fixtures: FixturePlugin..., isolation: IsolationMode = .inProcess) throws -> (PluginRegistry, TemporaryFolder) {
    let folder = try TemporaryFolder("abi")
    for (index, fixture) in fixtures.enumerated() { try fixture.install(in: folder.url, folder: "\(index)-\(fixture.id)") }
    let policy = policy(fixtures.map(\.id), isolation: isolation)
    return (PluginRegistry(searchPath: PackagePaths.searchPath(folder.url), policy: policy), folder)
}

/// A policy that runs the plugins `ids` in `isolation`.
func policy(_ ids: [String], isolation: IsolationMode) -> Policy {
    var policy = Policy.standard
    for id in ids {
        var plugin = PluginPolicy()
        plugin.isolation = isolation
        policy.plugins[id] = plugin
    }
    return policy
}

/// The one refusal a registry of one plugin should hold, loaded in this
/// process. The same plugin run isolated must be refused for the same reason
/// when its child loads it (a dlopen message differs only by its folder).
func refusal(of fixture: FixturePlugin) throws -> PluginLoadError? {
    let (registry, folder) = try load(fixture)
    defer { folder.remove() }
    let inProcess = registry.failures.first
    let (isolatedRegistry, isolatedFolder) = try load(fixture, isolation: .process)
    defer { isolatedFolder.remove() }
    var isolated = isolatedRegistry.failures.first
    if isolated == nil, case .failure(.refused(let error))? = isolatedRegistry.plugins.first?.prepare() { isolated = error }
    switch (inProcess?.reason, isolated?.reason) {
    case (.notASharedLibrary?, .notASharedLibrary?), (.binaryMissing?, .binaryMissing?): break
    case let (expected, got): #expect(expected == got, "the same refusal when the plugin runs isolated")
    }
    return inProcess
}
