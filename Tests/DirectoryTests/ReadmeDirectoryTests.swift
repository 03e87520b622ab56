import AgentHostTestSupport
import Foundation
import Testing

/// The README's three directory walkthroughs (publishing, running a
/// directory, installing from one), run as written, in order, in one shell
/// with a fresh HOME. Only /tmp (a private folder) and the port (a free one) change.
@Suite struct ReadmeDirectoryTests {
    static func blocks(under heading: String, in readme: String) -> [String] {
        guard let start = readme.range(of: "### \(heading)\n"), let open = readme.range(of: "```sh\n", range: start.upperBound..<readme.endIndex),
              let close = readme.range(of: "\n```", range: open.upperBound..<readme.endIndex) else { return [] }
        return readme[open.upperBound..<close.lowerBound].split(separator: "\n").map(String.init)
    }

    @Test func publishingRunningAndInstallingWorkAsWritten() throws {
        let readme = try String(contentsOf: PackagePaths.root.appendingPathComponent("README.md"), encoding: .utf8)
        let sections = ["Publishing a plugin", "Running a directory", "Installing from a directory"].map { Self.blocks(under: $0, in: readme) }
        #expect(sections.allSatisfy { $0.count >= 3 }, "the README's directory sections were not found")
        let home = try TemporaryFolder("readme-directory")
        defer { home.remove() }
        let port = try FreePort.pick()
        let scratch = home.url.appendingPathComponent("tmp").path + "/"
        let script = (["set -euo pipefail", "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT"]
            + sections.joined().map { $0.replacingOccurrences(of: "/tmp/", with: scratch).replacingOccurrences(of: "8470", with: String(port)) })
            .joined(separator: "\n")
        let environment = ["HOME": home.url.path, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        let result = try Command.run("bash", ["-c", script], environment: environment, currentDirectory: PackagePaths.root)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        let out = result.stdout
        #expect(out.contains("ok: example.hello 1.0.0 for"), "plugins verify")
        #expect(out.contains("<title>Hello (C) · my-directory</title>"), "the marketplace page: \(out)")
        #expect(out.contains("example.hello 1.0.0  Hello (C)  [mine]"), "directory search")
        #expect(out.contains("installed example.hello 1.0.0 from directory 'mine'"))
        #expect(out.contains(#""greeting":"Hello, Ada""#), "the installed plugin ran")
        #expect(out.contains("source: from directory 'mine'"), "plugins list shows the origin")
        #expect(out.contains("example.hello 1.0.0 is up to date"))
        #expect(out.contains("example.hello 1.0.0 is installed already"), "install --locked")
        #expect(out.contains("removed example.hello"))
    }
}
