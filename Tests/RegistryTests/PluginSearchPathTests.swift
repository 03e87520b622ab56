import AgentHostCore
import AgentHostTestSupport
import Foundation
import Testing

/// Where the loader looks, in which order, and what it reads without running code.
@Suite struct PluginSearchPathTests {
    @Test func theStandardPathIsFlagsThenEnvironmentThenUserThenBundled() {
        let path = PluginSearchPath.standard(pluginDirectories: ["/a", "/b"],
                                             environment: ["AGENTHOST_PLUGIN_PATH": "/c:/d", "HOME": "/home/ada"])
        #expect(path.folders.map(\.url.path) == ["/a", "/b", "/c", "/d", "/home/ada/.agenthost/plugins", PackagePaths.buildFolder.path])
        #expect(path.folders.map(\.origin) == [.commandLine, .commandLine, .environment, .environment, .user, .bundled])
    }

    @Test func theBundledBuildFolderHoldsKnowledgeAndPlanner() {
        let path = PluginSearchPath.standard(environment: ["HOME": "/nonexistent-home"])
        let registry = PluginRegistry(searchPath: path)
        #expect(Set(registry.plugins.map(\.id)).isSuperset(of: ["agenthost.knowledge", "agenthost.planner"]))
        #expect(registry.plugins.allSatisfy { $0.origin == .bundled })
        #expect(registry.failures.isEmpty)
    }

    @Test func everyKindOfFolderIsSearched() throws {
        let root = try TemporaryFolder("search")
        defer { root.remove() }
        // A folder that is a plugin itself, a folder of plugins, and a user folder under HOME.
        try FixturePlugin(id: "test.flag").install(in: root.url, folder: "flag")
        try FixturePlugin(id: "test.env-a").install(in: root.url.appendingPathComponent("env"), folder: "a")
        try FixturePlugin(id: "test.user").install(in: root.url.appendingPathComponent("home/.agenthost/plugins"), folder: "u")
        let path = PluginSearchPath.standard(
            pluginDirectories: [root.url.appendingPathComponent("flag").path],
            environment: ["AGENTHOST_PLUGIN_PATH": root.url.appendingPathComponent("env").path,
                          "HOME": root.url.appendingPathComponent("home").path],
            includeBundled: false)
        let registry = PluginRegistry(searchPath: path)
        #expect(registry.plugins.map(\.id) == ["test.flag", "test.env-a", "test.user"])
        #expect(registry.plugins.map(\.origin) == [.commandLine, .environment, .user])
    }

    /// Found by a new user's SIGKILL loop: the link `plugins install` renames into place was loaded when the
    /// install was killed before the rename, and won over the installed version. Hidden children are never plugins.
    @Test func aHiddenSubfolderIsNeverAPlugin() throws {
        let root = try TemporaryFolder("hidden")
        defer { root.remove() }
        try FixturePlugin(id: "test.same").install(in: root.url, folder: ".test.same.link-1234")
        try FixturePlugin(id: "test.same").install(in: root.url, folder: "test.same")
        let registry = PluginRegistry(searchPath: PackagePaths.searchPath(root.url))
        #expect(registry.records.map { $0.manifestURL.deletingLastPathComponent().lastPathComponent } == ["test.same"])
        #expect(registry.failures.isEmpty)
    }

    @Test func anEarlierFolderWinsADuplicateID() throws {
        let root = try TemporaryFolder("precedence")
        defer { root.remove() }
        try FixturePlugin(id: "test.same").install(in: root.url, folder: "first")
        try FixturePlugin(id: "test.same").install(in: root.url, folder: "second")
        let path = PluginSearchPath(folders: [.init(url: root.url.appendingPathComponent("second"), origin: .commandLine),
                                              .init(url: root.url.appendingPathComponent("first"), origin: .user)],
                                    bundledFolder: PackagePaths.buildFolder)
        let registry = PluginRegistry(searchPath: path)
        #expect(registry.plugins.first?.manifestURL.path.contains("/second/") == true)
        #expect(registry.failures.first?.pluginID == "test.same")
    }

    @Test func aPluginDirThatHoldsNoPluginIsReported() throws {
        let empty = try TemporaryFolder("empty")
        defer { empty.remove() }
        let registry = PluginRegistry(searchPath: PackagePaths.searchPath(empty.url))
        #expect(registry.failures.map(\.reason) == [.manifestMissing])
        #expect(registry.failures.first?.location == empty.url.path)
    }

    @Test func manifestsAreReadWithoutRunningPluginCode() throws {
        let root = try TemporaryFolder("noexec")
        defer { root.remove() }
        var fixture = FixturePlugin(id: "test.neverinit")
        fixture.defines["FIXTURE_INIT_FAILS"] = .some(nil)
        let folder = try fixture.install(in: root.url)
        let manifest = try PluginManifest.load(from: folder.appendingPathComponent("plugin.json"))
        #expect(manifest.id == "test.neverinit")
        #expect(manifest.capabilities.map(\.name) == FixturePlugin.capabilities)
        #expect(manifest.tools.first { $0.name == "planning_only" }?.states == AgentStateSet(.planning))
        // Untrusted, it runs isolated, and nothing of it runs until it is called: its init has not failed yet.
        let untrusted = try #require(PluginRegistry(searchPath: PackagePaths.searchPath(root.url)).records.first)
        #expect(untrusted.plugin?.isolation == .process && untrusted.plugin?.isTrusted == false)
        // Loaded in-process, init runs at once; the record of a refused plugin still carries its manifest, for `plugins list`.
        var policy = Policy.standard
        var inProcess = PluginPolicy()
        inProcess.isolation = .inProcess
        policy.plugins["test.neverinit"] = inProcess
        let record = try #require(PluginRegistry(searchPath: PackagePaths.searchPath(root.url), policy: policy).records.first)
        #expect(record.manifest?.id == "test.neverinit" && record.plugin == nil)
    }

    @Test func theBundledBinaryIsFoundFromASourceManifest() throws {
        // `plugins check Plugins/Knowledge` works before anything is installed.
        let source = PackagePaths.root.appendingPathComponent("Plugins/Knowledge")
        let registry = PluginRegistry(searchPath: PackagePaths.searchPath(source))
        #expect(registry.plugins.map(\.id) == ["agenthost.knowledge"])
    }
}
