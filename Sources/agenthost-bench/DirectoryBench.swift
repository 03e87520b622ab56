import AgentHostCore
import AgentHostDirectory
import Foundation

/// The plugin directory: a search over an index of 10,000 plugins (read,
/// signature checked, decoded, searched: what `directory search` does), and
/// a 5 MB package downloaded from `agenthost directory serve` on loopback,
/// checked against the index, verified and installed.
func benchDirectory(packageRoot: URL, buildFolder: URL, quick: Bool) {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("agenthost-bench-directory-\(getpid())")
    defer { try? FileManager.default.removeItem(at: scratch) }
    let key = SigningKey.generate(name: "bench")
    func timeMilliseconds(_ runs: Int, _ body: () -> Void) -> (median: Double, worst: Double) {
        body()  // warm: page cache, lazy initialisation
        var times: [Double] = []
        for _ in 0..<runs {
            let start = now()
            body()
            times.append(Double(now() - start) / 1e6)
        }
        times.sort()
        return (times[times.count / 2], times[times.count - 1])
    }
    func emitMilliseconds(_ name: String, _ time: (median: Double, worst: Double), target: Double?, extra: [(String, Any)] = []) {
        emit([("bench", name), ("median_ms", time.median), ("max_ms", time.worst)] + extra
             + (target.map { [("target_ms", $0), ("meets_target", time.median <= $0)] } ?? []))
    }

    // An index as a large directory's would be: 10,000 plugins, each with two capabilities and a tool.
    let words = ["search", "pdf", "table", "summarise", "translate", "invoice", "calendar", "weather", "sql", "chart",
                 "email", "image", "audio", "code", "review", "test", "deploy", "log", "metric", "trace"]
    // Written as JSON, as a directory's own index.json is, then signed.
    let schema = #"{"type":"object","required":["query"],"properties":{"query":{"type":"string"}}}"#
    let stamp = Date().formatted(.iso8601)
    let entries = (0..<10_000).map { n -> String in
        let a = words[n % words.count], b = words[(n / words.count) % words.count]
        let capabilities = [a, b].enumerated().map { index, word in
            #"{"name":"vendor\#(n).\#(word)\#(index)","description":"Does \#(word) work for plugin number \#(n), quickly and well.","#
                + #""input":\#(schema),"output":\#(schema),"keywords":["\#(word)","\#(word)s"],"states":["EXECUTING"]}"#
        }.joined(separator: ",")
        let release = #"{"version":"1.\#(n % 7).0","platform":{"os":"linux","arch":"x86_64"},"abi":{"major":1,"minor":0},"host_versions":"*","#
            + #""capabilities":[\#(capabilities)],"tools":[{"name":"count","signature":"i64(str)","description":"Counts.","states":["EXECUTING"]}],"#
            + #""permissions":{"network":["api.vendor\#(n).example"],"paths":[],"commands":[],"timeout_ms":60000,"max_output_bytes":1048576},"#
            + #""limits":{},"file":"packages/vendor\#(n)/1.0.0/vendor\#(n).ahpkg","size":123456,"sha256":"\#(String(repeating: "ab", count: 32))","#
            + #""publisher":"\#(key.publicKey.line)","published":"\#(stamp)"}"#
        return #"{"id":"vendor\#(n).\#(a)-\#(b)","name":"Vendor \#(n) \#(a.capitalized) \#(b.capitalized)","#
            + #""description":"A plugin that helps with \#(a) and \#(b) tasks.","keywords":["\#(a)","\#(b)"],"releases":[\#(release)]}"#
    }
    let text = #"{"format":1,"name":"bench","version":1,"published":"\#(stamp)","expires":"\#(Date().addingTimeInterval(86_400).formatted(.iso8601))","#
        + #""plugins":[\#(entries.joined(separator: ","))]}"#
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .iso8601
    let index = must { try decoder.decode(DirectoryIndex.self, from: Data(text.utf8)) }
    let indexFolder = scratch.appendingPathComponent("index")
    must { try SignedIndex(signing: index, with: key).write(into: indexFolder) }
    let indexBytes = (try? FileManager.default.attributesOfItem(atPath: indexFolder.appendingPathComponent(DirectoryIndex.fileName).path)[.size] as? Int) ?? 0
    let trusted = TrustedDirectory(name: "bench", location: indexFolder.path, key: key.publicKey)
    let client = DirectoryClient(directory: trusted, home: scratch.appendingPathComponent("home"))

    let built = must { try client.refresh() }
    let search = PluginSearch([("bench", built)])
    nonisolated(unsafe) var found = 0
    let queries = ["pdf table", "translate", "vendor4242", "weather charts", "no-such-word"]
    let all = timeMilliseconds(quick ? 5 : 50) {
        for query in queries { found &+= search.search(query, limit: 50).count }
    }
    emitMilliseconds("directory_search_10k_plugins", (all.median / Double(queries.count), all.worst / Double(queries.count)), target: 50,
                     extra: [("plugins", index.plugins.count), ("what", "one query over the decoded index, mean of \(queries.count)")])
    // What `directory search` does: within ten minutes of the last check it reads the search lines kept
    // beside the trusted index; later it fetches the index again and, when its bytes did not change, reads them too.
    emitMilliseconds("directory_search_10k_plugins_cached", timeMilliseconds(quick ? 3 : 15) {
        found &+= must { try client.search() }.search.search("pdf table", limit: 50).count
    }, target: 50, extra: [("what", "trusted record, search lines read, one query")])
    emitMilliseconds("directory_search_10k_plugins_refetched", timeMilliseconds(quick ? 3 : 15) {
        found &+= must { try client.search(freshness: 0) }.search.search("pdf table", limit: 50).count
    }, target: 50, extra: [("index_bytes", indexBytes), ("what", "index read again, SHA-256 compared, search lines read, one query")])
    emitMilliseconds("directory_index_refresh_10k_plugins", timeMilliseconds(quick ? 2 : 5) {
        let fresh = DirectoryClient(directory: trusted, home: scratch.appendingPathComponent("home-\(UUID().uuidString)"))
        found &+= must { try fresh.refresh() }.plugins.count
    }, target: nil, extra: [("index_bytes", indexBytes), ("what", "a changed index: read, Ed25519, decode, search lines written")])

    // The whole command, as a person runs it: process start, the directory list, the kept search lines, one query, output.
    must { try DirectoryList(home: client.home).save([trusted]) }
    // posix_spawn, not Foundation's Process, which adds about 20 ms of its own to each start.
    let argv = [buildFolder.appendingPathComponent("agenthost").path, "directory", "search", "pdf", "table"]
    let environment = ProcessInfo.processInfo.environment.filter { $0.key != "AGENTHOST_HOME" }.map { "\($0.key)=\($0.value)" }
        + ["AGENTHOST_HOME=\(client.home.path)"]
    emitMilliseconds("directory_search_cli_10k_plugins", timeMilliseconds(quick ? 3 : 15) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let cArguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = environment.map { strdup($0) } + [nil]
        defer { (cArguments + cEnvironment).forEach { free($0) } }
        var child: pid_t = 0
        guard posix_spawn(&child, argv[0], &actions, nil, cArguments, cEnvironment) == 0 else { fail("cannot start \(argv[0])") }
        var status: Int32 = 0
        waitpid(child, &status, 0)
        if status != 0 { fail("agenthost directory search failed (status \(status))") }
    }, target: 50, extra: [("what", "agenthost directory search pdf table, process start to exit")])

    // A 5 MB package: a real manifest and 5 MB of library bytes (never run: installing runs nothing).
    let pluginFolder = scratch.appendingPathComponent("plugin")
    must { try FileManager.default.createDirectory(at: pluginFolder, withIntermediateDirectories: true) }
    let manifestURL = pluginFolder.appendingPathComponent("plugin.json")
    must { try FileManager.default.copyItem(at: packageRoot.appendingPathComponent("sdk/examples/hello-c/plugin.json"), to: manifestURL) }
    var generator = SystemRandomNumberGenerator()
    // Noise does not compress: the package file is 5 MB, as the figure asks.
    let library = Data((0..<(5 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) })
    must { try library.write(to: pluginFolder.appendingPathComponent("libhello.so")) }
    let manifest = must { try PluginManifest.load(from: manifestURL) }
    let package = must {
        try PackageBuilder(manifestURL: manifestURL, manifest: manifest, binaryURL: pluginFolder.appendingPathComponent("libhello.so"), key: key)
            .write(into: scratch.appendingPathComponent("out")).url
    }
    let directoryFolder = scratch.appendingPathComponent("directory")
    _ = must { try DirectoryFolder(url: directoryFolder).publish(package: package, key: key) }

    // Served by the real CLI, as a user's directory would be.
    let server = Process()
    server.executableURL = buildFolder.appendingPathComponent("agenthost")
    server.arguments = ["directory", "serve", directoryFolder.path, "--port", "0", "--log-level", "error"]
    let output = Pipe()
    server.standardOutput = output
    must { try server.run() }
    defer { server.terminate(); server.waitUntilExit() }
    var line = Data()
    while !line.contains(UInt8(ascii: "\n")) {
        let chunk = output.fileHandleForReading.availableData
        if chunk.isEmpty { fail("agenthost directory serve did not start; build every product first: swift build -c release") }
        line += chunk
    }
    guard let address = String(decoding: line, as: UTF8.self).split(separator: " ").first(where: { $0.hasPrefix("http://") }) else {
        fail("agenthost directory serve printed no address")
    }
    let web = TrustedDirectory(name: "loopback", location: String(address), key: key.publicKey)
    let home = scratch.appendingPathComponent("install-home")
    let webIndex = must { try DirectoryClient(directory: web, home: home).refresh() }
    let candidate = must { try ReleaseCandidate.newest("example.hello", among: [(web, webIndex)]) }
    let installer = PluginInstaller(home: home)
    emitMilliseconds("directory_download_verify_install_5mb", timeMilliseconds(quick ? 3 : 20) {
        let archive = must { try installer.download(candidate) }
        let verified = must { try installer.verify(archive, as: candidate) }
        _ = must { try installer.install(verified, from: candidate) }
    }, target: 200, extra: [("package_bytes", candidate.release.size), ("what", "loopback download, pinned SHA-256, signature, every file, unpack, switch, lock file")])
    let archive = must { try installer.download(candidate) }
    emitMilliseconds("directory_verify_5mb", timeMilliseconds(quick ? 3 : 20) {
        _ = must { try installer.verify(archive, as: candidate) }
    }, target: 200, extra: [("what", "signature, every file's SHA-256, manifest; in memory")])
}
