import AgentHostDirectory
import AgentHostTestSupport
import Foundation
import Testing

/// A publisher packs and publishes, a directory serves, a user adds it,
/// searches, installs with consent, updates and removes: all through the
/// built CLI, on real packages of real `.so` files.
@Suite final class PublishInstallTests {
    @Test func aPublicKeyFitsOnOneLineAndKeysAreListed() throws {
        let world = try DirectoryWorld("keys")
        let line = try world.publicKey("ada")
        #expect(!line.contains("\n") && line.hasPrefix("ah-ed25519 ") && line.hasSuffix(" ada"))
        let listed = try world.agenthost(["keys", "list"])
        #expect(listed.status == 0)
        #expect(listed.stdout.contains("ada  ") && listed.stdout.contains(line))
        let again = try world.agenthost(["keys", "generate", "ada"])
        #expect(again.status != 0)
        #expect(again.stderr.contains("a key named 'ada' exists already"))
        let mode = try FileManager.default.attributesOfItem(atPath: world.agenthostHome.appendingPathComponent("keys/ada.key").path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func helloIsPublishedServedInstalledAndRuns() throws {
        let world = try DirectoryWorld("serve")
        let package = try world.publishHello()
        #expect(package.lastPathComponent == "example.hello-1.0.0-\(Platform.host.os)-\(Platform.host.arch).ahpkg")
        let (server, url) = try world.serve()
        defer { server.signal(SIGTERM); server.wait() }

        let added = try world.add("web", url)
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stdout.contains("1 plugin, index version 1"))
        let found = try world.agenthost(["directory", "search", "greet"])
        #expect(found.stdout.contains("example.hello 1.0.0  Hello (C)  [web]"), "\(found.stdout)\(found.stderr)")
        let info = try world.agenthost(["directory", "info", "example.hello"])
        #expect(info.stdout.contains("signed by key") && info.stdout.contains("runs here"))
        #expect(info.stdout.contains("tool add i64(i64,i64)"))

        let installed = try world.agenthost(["plugins", "install", "example.hello", "--yes"])
        #expect(installed.status == 0, "\(installed.stderr)")
        #expect(installed.stdout.contains("it will run: isolated in its own process (not trusted)"))
        #expect(installed.stdout.contains("network hosts: none"))
        #expect(installed.stdout.contains("models: none"))
        #expect(installed.stdout.contains("installed example.hello 1.0.0 from directory 'web'"))

        let list = try world.agenthost(["plugins", "list"])
        #expect(list.stdout.contains("example.hello 1.0.0  loaded, process"))
        #expect(list.stdout.contains("source: from directory 'web' (\(url)), signed by key"))
        #expect(list.stdout.contains("source: bundled with the host"))
        let greeting = try world.greet("Ada")
        #expect(greeting.stdout == #"{"greeting":"Hello, Ada","input":{"name":"Ada"}}"# + "\n", "\(greeting.stderr)")

        let lock = try LockFile.read(from: world.agenthostHome.appendingPathComponent("plugins.lock"))
        let archive = try PackageArchive(contentsOf: package)
        #expect(lock.plugins.map(\.id) == ["example.hello"])
        #expect(lock.plugins.first?.sha256 == archive.sha256)
        let json = try world.agenthost(["plugins", "list", "--json"])
        #expect(json.stdout.contains(#""directory" : "web""#) && json.stdout.contains(#""signed" : true"#))
    }

    @Test func aFolderIsADirectoryToo() throws {
        let world = try DirectoryWorld("folder")
        try world.publishHello()
        #expect(try world.add().status == 0)
        let installed = try world.agenthost(["plugins", "install", "example.hello", "--yes"])
        #expect(installed.status == 0, "\(installed.stderr)")
        #expect(try world.greet("Grace").stdout.contains("Hello, Grace"))
        let again = try world.agenthost(["plugins", "install", "example.hello", "--yes"])
        #expect(again.stdout.contains("example.hello 1.0.0 is installed already"))
        let removed = try world.agenthost(["plugins", "remove", "example.hello"])
        #expect(removed.status == 0)
        #expect(try world.greet("Grace").status != 0)
        #expect(try LockFile.read(from: world.agenthostHome.appendingPathComponent("plugins.lock")).plugins.isEmpty)
    }

    @Test func aBundledPluginIsPublishedAndRunsIsolatedWhenInstalled() throws {
        let world = try DirectoryWorld("bundled")
        let packed = try world.agenthost(["plugins", "pack", PackagePaths.bundledPluginFolder(target: "KnowledgeAgent").path,
                                          "--key", "ada", "--output", world.home.url.path])
        #expect(packed.status == 0, "\(packed.stdout)\(packed.stderr)")
        #expect(packed.stdout.contains("runs: isolated in its own process"), "pack loads the binary only in a confined child")
        let package = URL(fileURLWithPath: packed.stdout.split(separator: "\n").last.map(String.init) ?? "")
        #expect(try world.publish(package).status == 0)
        #expect(try world.add().status == 0)
        let installed = try world.agenthost(["plugins", "install", "agenthost.knowledge", "--yes"])
        #expect(installed.status == 0, "\(installed.stderr)")
        #expect(installed.stdout.contains("paths: $WORKSPACE"))
        #expect(installed.stdout.contains("note: agenthost.knowledge is also bundled with the host; once installed, this one is used instead"))
        let list = try world.agenthost(["plugins", "list"])
        #expect(list.stdout.contains("loaded, process  [~/.agenthost/plugins] \(world.pluginsFolder.path)/agenthost.knowledge/plugin.json"), "\(list.stdout)")
        #expect(list.stdout.contains("its id is already taken by the plugin at \(world.pluginsFolder.path)/agenthost.knowledge"), "the installed one comes first")
        let corpus = try TemporaryFolder("corpus")
        defer { corpus.remove() }
        try corpus.file("notes.md", "# Notes\n\nThe lighthouse keeper counts ships at dawn.\n")
        let answer = try world.agenthost(["run", "knowledge.search", "--input", #"{"query":"lighthouse"}"#, "--workspace", corpus.url.path,
                                          "--state", world.database])
        #expect(answer.status == 0, "\(answer.stderr)")
        #expect(answer.stdout.contains("notes.md"))
    }

    @Test func consentIsAskedAndANoInstallsNothing() throws {
        let world = try DirectoryWorld("consent")
        try world.publishHello()
        #expect(try world.add().status == 0)
        let refused = try world.agenthost(["plugins", "install", "example.hello"], input: "n\n")
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("Install example.hello 1.0.0? [y/N]"))
        #expect(refused.stderr.contains("the permissions were not agreed to"))
        #expect(!FileManager.default.fileExists(atPath: world.pluginsFolder.appendingPathComponent("example.hello").path))
        let closed = try world.agenthost(["plugins", "install", "example.hello"])
        #expect(closed.status != 0, "no answer is a no")
        let agreed = try world.agenthost(["plugins", "install", "example.hello"], input: "y\n")
        #expect(agreed.status == 0, "\(agreed.stderr)")
        #expect(try world.greet("Ada").status == 0)
    }

    @Test func anUpdateThatAsksForMoreNeedsConsentAgain() throws {
        let world = try DirectoryWorld("update")
        try world.publishHello(version: "1.0.0")
        #expect(try world.add().status == 0)
        #expect(try world.agenthost(["plugins", "install", "example.hello", "--yes"]).status == 0)
        try world.publishHello(version: "1.1.0")
        let quiet = try world.agenthost(["plugins", "update"])
        #expect(quiet.status == 0, "same permissions: no question. \(quiet.stderr)")
        #expect(quiet.stdout.contains("example.hello: 1.0.0 to 1.1.0"))
        try world.publishHello(version: "2.0.0", network: ["api.example.org"])
        let asked = try world.agenthost(["plugins", "update", "example.hello"])
        #expect(asked.status != 0)
        #expect(asked.stdout.contains("it asks for more than 1.1.0 did: network: api.example.org"))
        #expect(asked.stderr.contains("was not updated"))
        #expect(try world.agenthost(["plugins", "list"]).stdout.contains("example.hello 1.1.0  loaded"))
        let agreed = try world.agenthost(["plugins", "update", "--yes"])
        #expect(agreed.status == 0, "\(agreed.stderr)")
        #expect(try world.agenthost(["plugins", "list"]).stdout.contains("example.hello 2.0.0  loaded"))
        #expect(try world.agenthost(["plugins", "update"]).stdout.contains("example.hello 2.0.0 is up to date"))
        // A model alias is money spent on the host's keys: asking for one asks again, and the consent names it.
        try world.publishHello(version: "2.1.0", network: ["api.example.org"], models: ["default"])
        let models = try world.agenthost(["plugins", "update", "example.hello"])
        #expect(models.status != 0)
        #expect(models.stdout.contains("it asks for more than 2.0.0 did: models: default"), "\(models.stdout)")
        let info = try world.agenthost(["directory", "info", "example.hello"])
        #expect(info.stdout.contains("models default"), "\(info.stdout)")
    }

    @Test func aRangePicksTheNewestVersionWithinIt() throws {
        let world = try DirectoryWorld("range")
        for version in ["1.0.0", "1.2.0", "2.0.0"] { try world.publishHello(version: version) }
        #expect(try world.add().status == 0)
        let installed = try world.agenthost(["plugins", "install", "example.hello@^1", "--yes"])
        #expect(installed.stdout.contains("installed example.hello 1.2.0"), "\(installed.stdout)\(installed.stderr)")
        let none = try world.agenthost(["plugins", "install", "example.hello@>=3", "--yes"])
        #expect(none.status != 0)
        #expect(none.stderr.contains("2.0.0 (\(DirectoryWorld.cPlatform)) in local: outside the range >=3"))
        let malformed = try world.agenthost(["plugins", "install", "example.hello@banana", "--yes"])
        #expect(malformed.stderr.contains("'banana' is not a version range"))
    }

    @Test func aLockFileReproducesTheSetOnAnotherMachine() throws {
        let first = try DirectoryWorld("lock-a")
        try first.publishHello(version: "1.0.0")
        try first.publishHello(version: "1.1.0")
        #expect(try first.add().status == 0)
        #expect(try first.agenthost(["plugins", "install", "example.hello@1.0.0", "--yes"]).status == 0)
        let lockURL = first.agenthostHome.appendingPathComponent("plugins.lock")

        // Another machine: its own HOME, the same directory (same name, same key).
        let second = try DirectoryWorld("lock-b")
        let added = try second.agenthost(["directory", "add", "local", first.directory.path, "--key", try first.publicKey("dir")])
        #expect(added.status == 0, "\(added.stderr)")
        let locked = try second.agenthost(["plugins", "install", "--locked", "--lock-file", lockURL.path, "--yes"])
        #expect(locked.status == 0, "\(locked.stderr)")
        #expect(locked.stdout.contains("installed example.hello 1.0.0"), "the lock's version, not the newest")
        let reproduced = try LockFile.read(from: second.agenthostHome.appendingPathComponent("plugins.lock"))
        #expect(reproduced.plugins == (try LockFile.read(from: lockURL)).plugins)

        var text = try String(contentsOf: lockURL, encoding: .utf8)
        let sha = try #require(reproduced.plugins.first?.sha256)
        text = text.replacingOccurrences(of: sha, with: String(repeating: "0", count: 64))
        let tampered = second.home.url.appendingPathComponent("tampered.lock")
        try text.write(to: tampered, atomically: true, encoding: .utf8)
        #expect(try second.agenthost(["plugins", "remove", "example.hello"]).status == 0)
        let refused = try second.agenthost(["plugins", "install", "--locked", "--lock-file", tampered.path, "--yes"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("cannot be reproduced") && refused.stderr.contains("the lock records 0000"))
    }
}
