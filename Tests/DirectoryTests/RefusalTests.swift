import AgentHostCore
import AgentHostDirectory
import AgentHostTestSupport
import Foundation
import Testing
import ZIPFoundation

/// Every check a package or an index must pass, failed on purpose: each
/// refusal names the check, exits non-zero, and leaves what was installed working.
@Suite final class RefusalTests {
    /// The package's entries, with `change` applied to the bytes of `file`, written as a new archive.
    private func rewrite(_ package: URL, file: String, to output: URL, _ change: (inout Data) -> Void) throws {
        let source = try Archive(url: package, accessMode: .read)
        let target = try Archive(url: output, accessMode: .create)
        for entry in source {
            var bytes = Data()
            _ = try source.extract(entry) { bytes.append($0) }
            if entry.path == file { change(&bytes) }
            let data = bytes
            try target.addEntry(with: entry.path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
    }

    @Test func aTamperedLibraryOrManifestFailsTheFilesCheck() throws {
        let world = try DirectoryWorld("tamper")
        let package = try world.pack(try world.helloFolder())
        #expect(try world.agenthost(["plugins", "verify", package.path]).status == 0)

        let library = world.home.url.appendingPathComponent("library.ahpkg")
        try rewrite(package, file: "libhello.so", to: library) { $0[$0.count / 2] ^= 0xff }
        let badLibrary = try world.agenthost(["plugins", "verify", library.path])
        #expect(badLibrary.status != 0)
        #expect(badLibrary.stderr.contains("refused (files check): 'libhello.so' has SHA-256"), "\(badLibrary.stderr)")

        let manifest = world.home.url.appendingPathComponent("manifest.ahpkg")
        try rewrite(package, file: "plugin.json", to: manifest) { bytes in
            bytes = Data(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "Hello (C)", with: "Hello (X)").utf8)
        }
        let badManifest = try world.agenthost(["plugins", "verify", manifest.path])
        #expect(badManifest.stderr.contains("refused (files check): 'plugin.json' has SHA-256"), "\(badManifest.stderr)")

        let descriptor = world.home.url.appendingPathComponent("descriptor.ahpkg")
        try rewrite(package, file: "package.json", to: descriptor) { bytes in
            bytes = Data(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: #""host_versions" : "*""#, with: #""host_versions" : ">=0""#).utf8)
        }
        let badSignature = try world.agenthost(["plugins", "verify", descriptor.path])
        #expect(badSignature.stderr.contains("refused (signature check): the signature by key"), "\(badSignature.stderr)")
        #expect(try world.publish(library).stderr.contains("files check"), "a directory refuses it too")

        // Swapped in the directory after publishing: the index's pinned SHA-256 catches it before anything is opened.
        #expect(try world.publish(package).status == 0)
        #expect(try world.add().status == 0)
        let published = try #require(FileManager.default.enumerator(at: world.directory, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL }.first { $0.pathExtension == "ahpkg" })
        try FileManager.default.removeItem(at: published)
        try FileManager.default.copyItem(at: library, to: published)
        let install = try world.agenthost(["plugins", "install", "example.hello", "--yes"])
        #expect(install.status != 0)
        #expect(install.stderr.contains("refused (hash check)"), "\(install.stderr)")
        #expect(!FileManager.default.fileExists(atPath: world.pluginsFolder.appendingPathComponent("example.hello").path))
    }

    @Test func aWrongKeyIsRefused() throws {
        let world = try DirectoryWorld("keys-wrong")
        try world.publishHello()
        let wrong = try world.agenthost(["directory", "add", "local", world.directory.path, "--key", try world.publicKey("ada")])
        #expect(wrong.status != 0)
        #expect(wrong.stderr.contains("refused (key check): it is signed by key"), "\(wrong.stderr)")
        // Only packages by a named publisher: ada signed it, the user trusts only dir's key as a publisher.
        #expect(try world.add(extra: ["--publisher", try world.publicKey("dir")]).status == 0)
        let replaced = try world.agenthost(["directory", "add", "local", world.directory.path, "--key", try world.publicKey("ada"), "--replace"])
        #expect(replaced.status != 0 && replaced.stderr.contains("key check"))
        #expect(try world.agenthost(["directory", "list"]).stdout.contains("index version 1"), "a failed --replace keeps what was trusted")
        let install = try world.agenthost(["plugins", "install", "example.hello", "--yes"])
        #expect(install.status != 0)
        #expect(install.stderr.contains("(signature check): it is published by key"), "\(install.stderr)")
        let malformed = try world.agenthost(["directory", "add", "x", world.directory.path, "--key", "ah-ed25519 bm90IGEga2V5"])
        #expect(malformed.stderr.contains("the public key is malformed"))
    }

    @Test func anUnsignedPackageIsRefusedUnlessTheDirectoryIsAllowedOnPurpose() throws {
        let world = try DirectoryWorld("unsigned")
        let package = try world.pack(try world.helloFolder(), key: nil)
        let verify = try world.agenthost(["plugins", "verify", package.path])
        #expect(verify.stderr.contains("refused (signature check): it is not signed"))
        #expect(try world.publish(package).stderr.contains("it is not signed"))
        #expect(try world.publish(package, extra: ["--allow-unsigned"]).status == 0)
        #expect(try world.add().status == 0)
        let refused = try world.agenthost(["plugins", "install", "example.hello", "--yes"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("(signature check): it is not signed"), "\(refused.stderr)")
        #expect(try world.add(extra: ["--allow-unsigned", "--replace"]).status == 0)
        let allowed = try world.agenthost(["plugins", "install", "example.hello", "--yes"])
        #expect(allowed.status == 0, "\(allowed.stderr)")
        #expect(allowed.stdout.contains("publisher: NONE: the package is unsigned"))
        #expect(try world.agenthost(["plugins", "list"]).stdout.contains("UNSIGNED (allowed by directory 'local')"))
    }

    @Test func aRolledBackOrChangedIndexIsRefusedAndTheTrustedOneKept() throws {
        let world = try DirectoryWorld("rollback")
        try world.publishHello(version: "1.0.0")
        let saved = world.home.url.appendingPathComponent("old-index")
        try FileManager.default.createDirectory(at: saved, withIntermediateDirectories: true)
        for name in ["index.json", "index.sig"] {
            try FileManager.default.copyItem(at: world.directory.appendingPathComponent(name), to: saved.appendingPathComponent(name))
        }
        try world.publishHello(version: "1.1.0")
        #expect(try world.add().status == 0)  // trusts version 2
        for name in ["index.json", "index.sig"] {
            try FileManager.default.removeItem(at: world.directory.appendingPathComponent(name))
            try FileManager.default.copyItem(at: saved.appendingPathComponent(name), to: world.directory.appendingPathComponent(name))
        }
        let search = try world.agenthost(["directory", "search", "hello", "--from", "local", "--refresh"])
        #expect(search.status != 0)
        #expect(search.stderr.contains("refused (rollback check): it is version 1, older than version 2"), "\(search.stderr)")
        let install = try world.agenthost(["plugins", "install", "example.hello", "--yes"])
        #expect(install.status != 0)
        #expect(install.stderr.contains("rollback check"))
        let listed = try world.agenthost(["directory", "list"])
        #expect(listed.stdout.contains("index version 2"), "the index trusted before is kept: \(listed.stdout)")
    }

    @Test func anExpiredIndexIsRefused() throws {
        let world = try DirectoryWorld("expired")
        let package = try world.pack(try world.helloFolder())
        let key = try KeyRing(folder: world.agenthostHome.appendingPathComponent("keys")).signingKey("dir")
        // Signed three days ago for one day: a mirror that froze it would serve just this.
        _ = try DirectoryFolder(url: world.directory).publish(package: package, key: key, lifetime: 86_400, now: Date().addingTimeInterval(-3 * 86_400))
        let added = try world.add()
        #expect(added.status != 0)
        #expect(added.stderr.contains("refused (expiry check): it expired at"), "\(added.stderr)")
        #expect(added.stderr.contains("agenthost directory sign"))
        let signed = try world.agenthost(["directory", "sign", world.directory.path, "--key", "dir"])
        #expect(signed.status == 0, "\(signed.stderr)")
        #expect(try world.add().status == 0)
    }

    @Test func aPublishedVersionNeverChanges() throws {
        let world = try DirectoryWorld("immutable")
        let package = try world.publishHello()
        let again = try world.publish(package)
        #expect(again.status != 0)
        #expect(again.stderr.contains("example.hello 1.0.0 for \(DirectoryWorld.cPlatform) is already published"))
        let otherKey = try world.agenthost(["directory", "publish", package.path, "--to", world.directory.path, "--key", "ada"])
        #expect(otherKey.stderr.contains("is signed by key") && otherKey.stderr.contains("publish with the directory's own key"))
    }

    @Test func anIncompatibleABIOrPlatformIsNotInstalled() throws {
        let world = try DirectoryWorld("compat")
        let key = try KeyRing(folder: world.agenthostHome.appendingPathComponent("keys")).signingKey("ada")
        // Built as a packer that skipped `plugins check` would (or cross-built): the host must still refuse them at install.
        func build(_ folder: URL, platform: Platform? = nil) throws -> URL {
            let manifestURL = folder.appendingPathComponent("plugin.json")
            let manifest = try PluginManifest.decode(Data(contentsOf: manifestURL), location: manifestURL.path)
            return try PackageBuilder(manifestURL: manifestURL, manifest: manifest, binaryURL: folder.appendingPathComponent("libhello.so"),
                                      key: key, platform: platform).write(into: world.home.url.appendingPathComponent("built")).url
        }
        #expect(try world.publish(try build(try world.helloFolder(abiMinor: 99))).status == 0)
        #expect(try world.publish(try build(try world.helloFolder(version: "1.0.1"), platform: Platform(os: "linux", arch: "riscv64"))).status == 0)
        #expect(try world.add().status == 0)
        let install = try world.agenthost(["plugins", "install", "example.hello", "--yes"])
        #expect(install.status != 0)
        #expect(install.stderr.contains("1.0.1 (linux-riscv64) in local: it is built for linux-riscv64"), "\(install.stderr)")
        #expect(install.stderr.contains("1.0.0 (\(DirectoryWorld.cPlatform)) in local: it needs ABI 1.99, newer than this host's"), "\(install.stderr)")
    }

    @Test func aDownloadCutShortIsRefusedAndRetriedCleanly() throws {
        let world = try DirectoryWorld("cut")
        try world.publishHello()
        let served = ServedRequests()
        let server = try served.serve(world.directory) { path, response in
            if path.hasSuffix(".ahpkg") && served.count(of: path) == 1 { response.cutAfter = response.body.count / 2 }
        }
        defer { server.stop() }
        #expect(try world.add("web", server.base).status == 0)
        let cut = try world.agenthost(["plugins", "install", "example.hello", "--yes"])
        #expect(cut.status != 0)
        #expect(cut.stderr.contains("refused (hash check): the download was cut short"), "\(cut.stderr)")
        #expect(!FileManager.default.fileExists(atPath: world.pluginsFolder.appendingPathComponent("example.hello").path))
        let retried = try world.agenthost(["plugins", "install", "example.hello", "--yes"])
        #expect(retried.status == 0, "\(retried.stderr)")
    }

    @Test func anUnreachableServerIsNamed() throws {
        let world = try DirectoryWorld("unreachable")
        try world.publishHello()
        let (server, url) = try world.serve()
        #expect(try world.add("web", url).status == 0)
        server.signal(SIGTERM)
        server.wait()
        let install = try world.agenthost(["plugins", "install", "example.hello", "--yes"])
        #expect(install.status != 0)
        #expect(install.stderr.contains("using the index of directory 'web'"), "the index trusted before is used, and said so: \(install.stderr)")
        #expect(install.stderr.contains("cannot reach \(url)"), "\(install.stderr)")
        let add = try world.agenthost(["directory", "add", "gone", url, "--key", try world.publicKey("dir")])
        #expect(add.status != 0)
        #expect(add.stderr.contains("cannot reach"))
        #expect(!(try world.agenthost(["directory", "list"]).stdout.contains("gone")), "a directory that never answered is not added")
    }

    @Test func anInstallKilledMidwayLeavesThePreviousVersionWorking() throws {
        let world = try DirectoryWorld("sigkill")
        try world.publishHello(version: "1.0.0")
        try world.publishHello(version: "2.0.0")
        let served = ServedRequests()
        let server = try served.serve(world.directory) { path, response in
            // The new version's download hangs, so the install is surely midway when it is killed.
            if path.contains("/2.0.0/") && served.count(of: path) == 1 { response.delay = 20 }
        }
        defer { server.stop() }
        #expect(try world.add("web", server.base).status == 0)
        #expect(try world.agenthost(["plugins", "install", "example.hello@1", "--yes"]).status == 0)
        let install = try BackgroundHost(["plugins", "install", "example.hello@2", "--yes"], home: world.home.url)
        #expect(BackgroundHost.until(30) { served.contains { $0.contains("/2.0.0/") } })
        install.signal(SIGKILL)
        #expect(install.wait() != 0)
        #expect(try world.agenthost(["plugins", "list"]).stdout.contains("example.hello 1.0.0  loaded"))
        #expect(try world.greet("Ada").stdout.contains("Hello, Ada"))
        let retried = try world.agenthost(["plugins", "install", "example.hello@2", "--yes"])
        #expect(retried.status == 0, "\(retried.stderr)")
        #expect(try world.agenthost(["plugins", "list"]).stdout.contains("example.hello 2.0.0  loaded"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: world.pluginsFolder.appendingPathComponent(".installed/example.hello").path)
        #expect(leftovers.count == 1, "only the version in use is kept: \(leftovers)")
    }

    @Test func packRefusesWhatCheckRefuses() throws {
        let world = try DirectoryWorld("pack-refuses")
        let folder = try world.helloFolder()
        try FileManager.default.removeItem(at: folder.appendingPathComponent("libhello.so"))
        let check = try world.agenthost(["plugins", "check", folder.path])
        let pack = try world.agenthost(["plugins", "pack", folder.path, "--key", "ada", "--output", world.home.url.path])
        #expect(check.status != 0 && pack.status != 0)
        #expect(pack.stderr.contains("was refused (above), so it is not packed"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: world.home.url.path).allSatisfy { !$0.hasSuffix(".ahpkg") })
    }

    @Test func badInputsGetClearErrors() throws {
        let world = try DirectoryWorld("bad-input")
        let notAPackage = world.home.url.appendingPathComponent("x.ahpkg")
        try Data("not a zip".utf8).write(to: notAPackage)
        let verify = try world.agenthost(["plugins", "verify", notAPackage.path])
        #expect(verify.status != 0 && verify.stderr.contains("(archive check): it is not a readable package archive"))
        #expect(try world.agenthost(["keys", "generate", "../evil"]).stderr.contains("cannot name a key"))
        let days = try world.agenthost(["directory", "publish", notAPackage.path, "--to", world.directory.path, "--key", "dir", "--expires-in-days", "0"])
        #expect(days.stderr.contains("--expires-in-days must be from 1 to 3650"))
        let unknownKey = try world.agenthost(["directory", "publish", notAPackage.path, "--to", world.directory.path, "--key", "nobody"])
        #expect(unknownKey.stderr.contains("no signing key 'nobody'") && unknownKey.stderr.contains("ada, dir"))
        try Data("{ not json".utf8).write(to: world.agenthostHome.appendingPathComponent("directories.json"))
        let damaged = try world.agenthost(["directory", "list"])
        #expect(damaged.status != 0 && damaged.stderr.contains("directories.json is damaged"))
        try FileManager.default.removeItem(at: world.agenthostHome.appendingPathComponent("directories.json"))
        let noPlugin = try world.agenthost(["plugins", "install"])
        #expect(noPlugin.status != 0 && noPlugin.stderr.contains("name a plugin to install"))
        let port = try world.agenthost(["directory", "serve", world.home.url.path, "--port", "70000"])
        #expect(port.stderr.contains("--port must be from 0 to 65535"))
        for id in ["", "@", "example.hello@", "Bad/Id"] {
            let install = try world.agenthost(["plugins", "install", id, "--yes"])
            #expect(install.status == 1 && (install.stderr.contains("does not name a plugin") || install.stderr.contains("empty range")), "\(id): \(install.stderr)")
        }
        #expect(try world.agenthost(["directory", "sign", world.home.url.path, "--key", "dir"]).stderr.contains("it is not a directory yet"))
        #expect(!FileManager.default.fileExists(atPath: world.home.url.appendingPathComponent("index.json").path), "sign wrote nothing there")
        #expect(try world.agenthost(["directory", "serve", world.home.url.path]).stderr.contains("it is not a directory yet"))
        #expect(try world.agenthost(["directory", "serve", notAPackage.path]).stderr.contains("is a file"))
        #expect(try world.agenthost(["directory", "add", "x", "", "--key", "dir"]).stderr.contains("address is empty"))
        let privateKey = world.agenthostHome.appendingPathComponent("keys/dir.key").path
        #expect(try world.agenthost(["directory", "add", "x", world.directory.path, "--key", privateKey]).stderr.contains("is a private key"))
        #expect(try world.agenthost(["plugins", "pack", world.home.url.path, "--key", world.agenthostHome.appendingPathComponent("keys/ada.pub").path])
            .stderr.contains("is a public key; signing needs the private key"))
        try Data("ah-ed25519-secret bm90".utf8).write(to: world.agenthostHome.appendingPathComponent("keys/broken.key"))
        let keys = try world.agenthost(["keys", "list"])
        #expect(keys.status != 0 && keys.stdout.contains("broken  DAMAGED") && keys.stdout.contains("ada  "))
    }

    @Test func aPortInUseIsNamed() throws {
        let world = try DirectoryWorld("port")
        try world.publishHello()
        let (server, url) = try world.serve()
        defer { server.signal(SIGTERM); server.wait() }
        let port = String(url.split(separator: ":").last ?? "")
        let second = try world.agenthost(["directory", "serve", world.directory.path, "--port", port])
        #expect(second.status == 1)
        #expect(second.stderr.contains("cannot listen on 127.0.0.1:\(port): the address is in use"), "\(second.stderr)")
        // Your own key, by name, is a public key too.
        #expect(try world.agenthost(["directory", "add", "web", url, "--key", "dir"]).status == 0)
    }
}

/// A plain static server of a directory's folder (what any web server would
/// be), and the paths it was asked for, from its threads.
final class ServedRequests: @unchecked Sendable {
    /// Serves `folder`; `alter` may change an answer (cut it short, delay it) by its path.
    func serve(_ folder: URL, alter: @escaping @Sendable (String, inout LoopbackHTTPServer.Response) -> Void) throws -> LoopbackHTTPServer {
        try LoopbackHTTPServer { [self] request in
            append(request.path)
            guard let bytes = FileManager.default.contents(atPath: folder.path + request.path) else { return .html("missing", status: 404) }
            var response = LoopbackHTTPServer.Response(headers: ["Content-Type": "application/octet-stream"], body: Array(bytes))
            alter(request.path, &response)
            return response
        }
    }

    // @unchecked: every access holds the lock.
    private let lock = NSLock()
    private var paths: [String] = []

    func append(_ path: String) { lock.lock(); paths.append(path); lock.unlock() }
    func count(of path: String) -> Int { lock.lock(); defer { lock.unlock() }; return paths.filter { $0 == path }.count }
    func contains(where match: (String) -> Bool) -> Bool { lock.lock(); defer { lock.unlock() }; return paths.contains(where: match) }
}
