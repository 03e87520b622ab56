import AgentHostCore
import Foundation

/// A private HOME for the built CLI, a plugins folder with the fixtures a
/// test installs, and one task store: what every test of the CLI in real
/// processes starts from.
public final class CLIHome: Sendable {
    public let home: TemporaryFolder
    public let plugins: TemporaryFolder

    public init(_ label: String = "home", fixtures: [FixturePlugin] = []) throws {
        home = try TemporaryFolder(label)
        plugins = try TemporaryFolder("\(label)-plugins")
        for fixture in fixtures { try fixture.install(in: plugins.url) }
    }

    deinit {
        home.remove()
        plugins.remove()
    }

    public var database: String { home.url.appendingPathComponent("state.sqlite").path }

    /// Runs `agenthost ARGUMENTS --plugin-dir PLUGINS --state DATABASE` to its end.
    public func agenthost(_ arguments: [String], input: String? = nil) throws -> Command.Result {
        try Command.agenthost(arguments + ["--plugin-dir", plugins.url.path, "--state", database], home: home.url, input: input)
    }

    /// Starts the same in the background, to be signalled or killed.
    public func start(_ arguments: [String]) throws -> BackgroundHost {
        try BackgroundHost(arguments + ["--plugin-dir", plugins.url.path, "--state", database], home: home.url)
    }

    /// Writes `text` to the file `name` in the home folder and returns its path.
    public func write(_ name: String, _ text: String) throws -> String {
        try home.file(name, text)
        return home.url.appendingPathComponent(name).path
    }

    /// The store as a person looking at it sees it: read-only.
    public func store() throws -> TaskStore { try TaskStore(path: database, access: .readOnly) }
}
