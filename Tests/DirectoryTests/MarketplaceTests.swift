import AgentHostDirectory
import AgentHostTestSupport
import Foundation
import Testing

/// The marketplace page in a real headless Chromium, served by
/// `agenthost directory serve`: search as a person types, open a plugin,
/// and read what it shows. A screenshot of each is kept as a test artifact.
@Suite final class MarketplaceTests {
    static var artifacts: URL { PackagePaths.testArtifacts }

    @Test func searchingAndOpeningAPluginShowsWhatItDoesAndMayDo() throws {
        let chromium = "/usr/bin/chromium"
        try #require(FileManager.default.isExecutableFile(atPath: chromium),
                     "Chromium is needed for the marketplace test: apt-get install chromium (.ci/run installs it)")
        let world = try DirectoryWorld("marketplace")
        try world.publishHello(version: "1.0.0")
        try world.publishHello(version: "1.1.0", network: ["api.example.org"])
        let knowledge = try world.agenthost(["plugins", "pack", PackagePaths.bundledPluginFolder(target: "KnowledgeAgent").path,
                                             "--key", "ada", "--output", world.home.url.path])
        try #require(knowledge.status == 0, "\(knowledge.stderr)")
        let package = URL(fileURLWithPath: knowledge.stdout.split(separator: "\n").last.map(String.init) ?? "")
        try #require(try world.publish(package, extra: ["--name", "Loopback Plugins"]).status == 0)
        let (server, url) = try world.serve()
        defer { server.signal(SIGTERM); server.wait() }

        let browser = try HeadlessBrowser(executable: chromium)
        defer { browser.close() }
        try browser.open(url + "/")
        #expect(try browser.evaluate("document.querySelector('h1').textContent") == "Loopback Plugins")
        #expect(try browser.evaluate("document.querySelectorAll('#results li').length") == "2")
        let add = try browser.evaluate("document.querySelector('footer pre').textContent")
        #expect(add.contains("agenthost directory add loopback-plugins \(url) --key 'ah-ed25519 "), "\(add)")

        try browser.type("greet", into: "#q")
        try browser.waitFor("document.querySelectorAll('#results li').length === 1")
        #expect(try browser.evaluate("document.querySelector('#results li').dataset.id") == "example.hello")
        #expect(try browser.evaluate("document.getElementById('count').textContent") == "1 plugin for “greet”")
        #expect(try browser.evaluate("location.search") == "?q=greet", "the address keeps the search, so it can be shared")
        try FileManager.default.createDirectory(at: Self.artifacts, withIntermediateDirectories: true)
        try browser.screenshot(to: Self.artifacts.appendingPathComponent("marketplace-search.png").path)

        try browser.click("#results li a")
        try browser.waitFor("location.pathname === '/plugins/example.hello' && document.readyState === 'complete'")
        let page = try browser.evaluate("document.querySelector('main').innerText")
        #expect(page.contains("Hello (C)"))
        #expect(page.contains("agenthost plugins install example.hello"))
        #expect(page.contains("hello.greet"))
        #expect(page.contains("{name?: string}"), "the capability's input type: \(page)")
        #expect(page.contains("{greeting: string, input: any JSON}") || page.contains("{greeting: string, input?: any JSON}") || page.contains("greeting: string"))
        #expect(page.contains("i64(i64,i64)") && page.contains("PLANNING, EXECUTING, VERIFYING, LEARNING"), "tools and their states")
        #expect(page.contains("api.example.org"), "the newest version's permissions")
        #expect(page.contains(try world.publicKey("ada")), "the publisher's key, in full")
        #expect(try browser.evaluate("document.querySelectorAll('table.versions tbody tr').length") == "2")
        try browser.screenshot(to: Self.artifacts.appendingPathComponent("marketplace-plugin.png").path)

        // Without the script, the form still searches: the server filters.
        try browser.open(url + "/?q=lighthouse%20nothing")
        #expect(try browser.evaluate("document.querySelectorAll('#results li').length") == "0")
        try browser.open(url + "/plugins/no.such")
        #expect(try browser.evaluate("document.querySelector('h1').textContent") == "No plugin no.such")
    }
}
