import AgentHostCore
import AgentHostTestSupport
import Foundation
import Testing

/// The Browser agent (Swift) against a real HTTP server on 127.0.0.1: a small
/// site with forms, redirects, a robots.txt, other charsets and broken pages.
@Suite final class BrowserAgentTests {
    let server: LoopbackHTTPServer
    let host = AgentHost(searchPath: PackagePaths.searchPath(PackagePaths.bundledPluginFolder(target: "BrowserAgent")))

    static let home = """
        <!DOCTYPE html>
        <html lang="en"><head>
        <meta charset="utf-8"><title>Test  site &amp; friends</title>
        <meta name="description" content="A site for the browser's tests">
        <meta property="og:title" content="Test site">
        <style>body { color: red }</style><script>var x = "<p>not text</p>";</script>
        </head><body>
        <nav><a href="/about">About</a> <a href="https://elsewhere.example/">Elsewhere</a></nav>
        <h1>Welcome</h1>
        <p>First paragraph with <b>bold</b> text &mdash; and an entity.</p>
        <h2>Links</h2>
        <ul><li><a href="/docs/a.html">Doc A</a></li><li><a href="docs/b.html#part">Doc B</a></li>
        <li><a href="/private/secret.html">Secret</a></li><li><a href="/old">Old page</a></li></ul>
        <form id="signup" action="/submit" method="post">
          <input type="text" name="name" required>
          <input type="email" name="email" value="someone@example.org">
          <input type="hidden" name="token" value="t0k3n">
          <select name="plan"><option value="free" selected>Free</option><option value="pro">Pro</option></select>
          <input type="checkbox" name="news" value="yes" checked>
          <textarea name="note">hello</textarea>
          <input type="submit" value="Sign up">
        </form>
        <form name="search" action="/search"><input name="q"></form>
        <footer>Footer text is chrome</footer>
        </body></html>
        """

    init() throws {
        server = try LoopbackHTTPServer { request in
            switch request.path {
            case "/": return .html(Self.home)
            case "/about": return .html("<html><head><title>About</title></head><body><h1>About us</h1><a href=\"/\">Home</a></body></html>")
            case "/docs/a.html": return .html("<title>Doc A</title><h1>A</h1><p>Alpha text.<a href='/docs/c.html'>C</a>")
            case "/docs/b.html": return .html("<title>Doc B</title><p>Beta text")
            case "/docs/c.html": return .html("<title>Doc C</title><p>Gamma, three links deep")
            case "/private/secret.html": return .html("<title>Secret</title>")
            case "/old": return .redirect("/about", status: 301)
            case "/chain": return .redirect("/old")
            case "/loop": return .redirect("/loop")
            case "/away": return .redirect("http://10.255.255.1/")
            case "/robots.txt":
                return LoopbackHTTPServer.Response(headers: ["Content-Type": "text/plain"], body: Array("""
                    User-agent: *
                    Disallow: /private/
                    Allow: /private/public.html
                    """.utf8))
            case "/latin1":
                return LoopbackHTTPServer.Response(headers: ["Content-Type": "text/html; charset=ISO-8859-1"],
                                                   body: [0x3C, 0x70, 0x3E] + Array("Caf".utf8) + [0xE9, 0x20, 0xFC, 0x62, 0x65, 0x72])
            case "/meta-charset":
                return LoopbackHTTPServer.Response(headers: ["Content-Type": "text/html"],
                                                   body: Array("<meta charset=\"windows-1252\"><p>".utf8) + [0x93, 0x71, 0x75, 0x6F, 0x74, 0x65, 0x94])
            case "/broken":
                return .html("<html><head><title>Broken<body><h1>Unclosed <a href=/about>about<p>text < 5 and > 3<div><h2>Two</h3>&unknown; &#x41;&#66;")
            case "/big": return .html(String(repeating: "x", count: 300_000))
            case "/slow": return LoopbackHTTPServer.Response(body: Array("late".utf8), delay: 3)
            case "/missing": return .html("<title>Not here</title>", status: 404)
            case "/submit", "/search":
                let sent = request.method == "POST" ? request.body : request.query
                return .html("<title>Thanks</title><p>\(request.method) \(sent)</p>")
            default: return .html("<title>404</title>", status: 404)
            }
        }
    }

    deinit { server.stop() }

    func call(_ capability: String, _ input: [String: Any], on host: AgentHost? = nil) throws -> [String: Any] {
        let response = try (host ?? self.host).call(capability, payload: Array(try JSONSerialization.data(withJSONObject: input)))
        return try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    func failure(_ capability: String, _ input: [String: Any], on host: AgentHost? = nil) -> (AgentStatus, String)? {
        do {
            _ = try call(capability, input, on: host)
            return nil
        } catch let AgentCallError.agentFailed(_, _, status, message) {
            return (status, message)
        } catch {
            return (.internalError, "\(error)")
        }
    }

    @Test func fetchFollowsRedirectsAndSaysWhere() throws {
        let page = try call("browser.fetch", ["url": server.base + "/chain"])
        #expect(page["status"] as? Int == 200)
        #expect(page["url"] as? String == server.base + "/about")
        #expect(page["redirects"] as? [String] == [server.base + "/chain", server.base + "/old"])
        #expect((page["text"] as? String)?.contains("About us") == true)
        let missing = try call("browser.fetch", ["url": server.base + "/missing"])
        #expect(missing["status"] as? Int == 404)
        #expect(missing["ok"] as? Bool == false)
    }

    @Test func fetchDecodesCharsets() throws {
        let latin = try call("browser.fetch", ["url": server.base + "/latin1"])
        #expect(latin["charset"] as? String == "iso-8859-1")
        #expect(latin["text"] as? String == "<p>Café über")
        let meta = try call("browser.fetch", ["url": server.base + "/meta-charset"])
        #expect(meta["charset"] as? String == "windows-1252")
        #expect((meta["text"] as? String)?.hasSuffix("“quote”") == true)
    }

    @Test func fetchEnforcesSizeTimeAndRedirectLimits() throws {
        let big = try call("browser.fetch", ["url": server.base + "/big", "max_bytes": 1000])
        #expect(big["truncated"] as? Bool == true)
        #expect(big["bytes"] as? Int == 1000)
        let slow = failure("browser.fetch", ["url": server.base + "/slow", "timeout_ms": 300])
        #expect(slow?.0 == .deadlineExceeded, "\(String(describing: slow))")
        #expect(slow?.1.contains("no complete answer within 300 ms") == true)
        let loop = failure("browser.fetch", ["url": server.base + "/loop", "max_redirects": 3])
        #expect(loop?.0 == .unavailable)
        #expect(loop?.1.contains("more than 3 redirects") == true)
    }

    @Test func anUnreachableURLIsUnavailable() throws {
        // A port nothing listens on: stop a server and reuse its address.
        let closed = try LoopbackHTTPServer { _ in .html("") }
        let address = closed.base
        closed.stop()
        let refused = failure("browser.fetch", ["url": address + "/"])
        #expect(refused?.0 == .unavailable, "\(String(describing: refused))")
        #expect(refused?.1.contains("cannot be reached") == true)
        let notHTTP = failure("browser.fetch", ["url": "ftp://127.0.0.1/file"])
        #expect(notHTTP?.0 == .invalidArgument)
    }

    @Test func thePolicyNarrowsTheHostsAndEachRedirectIsChecked() throws {
        let policy = try PolicyFile.parse("agents:\n  agenthost.browser:\n    network: [\"127.0.0.1:\(server.port)\"]\n", path: "policy.yaml")
        let narrowed = AgentHost(searchPath: PackagePaths.searchPath(PackagePaths.bundledPluginFolder(target: "BrowserAgent")), policy: policy)
        #expect(try call("browser.fetch", ["url": server.base + "/about"], on: narrowed)["status"] as? Int == 200)
        let away = failure("browser.fetch", ["url": server.base + "/away"], on: narrowed)
        #expect(away?.0 == .denied)
        #expect(away?.1.contains("refused by the policy's network allow-list") == true)
        #expect(away?.1.contains("10.255.255.1") == true)
    }

    @Test func extractReadsARealPage() throws {
        let page = try call("browser.extract", ["url": server.base + "/"])
        #expect(page["title"] as? String == "Test site & friends")
        #expect(page["lang"] as? String == "en")
        let text = try #require(page["text"] as? String)
        #expect(text.contains("First paragraph with bold text — and an entity."))
        #expect(!text.contains("color: red") && !text.contains("not text") && !text.contains("Footer text"))
        let headings = (page["headings"] as? [[String: Any]] ?? []).map { "\($0["level"] ?? 0):\($0["text"] ?? "")" }
        #expect(headings == ["1:Welcome", "2:Links"])
        let links = (page["links"] as? [[String: Any]] ?? []).compactMap { $0["href"] as? String }
        #expect(links.contains(server.base + "/docs/a.html"))
        #expect(links.contains(server.base + "/docs/b.html#part"))
        #expect(links.contains("https://elsewhere.example/"))
        let meta = try #require(page["meta"] as? [String: String])
        #expect(meta["description"] == "A site for the browser's tests")
        #expect(meta["og:title"] == "Test site")
        let forms = try #require(page["forms"] as? [[String: Any]])
        #expect(forms.count == 2)
        #expect(forms[0]["id"] as? String == "signup")
        #expect(forms[0]["method"] as? String == "post")
        #expect(forms[0]["action"] as? String == server.base + "/submit")
        let fields = (forms[0]["fields"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(fields == ["name", "email", "token", "plan", "news", "note"])
    }

    @Test func extractSurvivesMalformedHTML() throws {
        let page = try call("browser.extract", ["url": server.base + "/broken"])
        #expect((page["title"] as? String)?.hasPrefix("Broken") == true)
        let html = try call("browser.extract", ["html": "<p>text < 5 and > 3 &unknown; &#x41;&#66;<h2>Two</h3><a href=/x>x", "base_url": "http://h.test/d/"])
        #expect((html["text"] as? String)?.contains("text < 5 and > 3 &unknown; AB") == true)
        #expect((html["links"] as? [[String: Any]])?.first?["href"] as? String == "http://h.test/x")
        // As in the HTML parsing rules, any heading end tag closes the open heading.
        #expect((html["headings"] as? [[String: Any]])?.first?["text"] as? String == "Two")
    }

    @Test func crawlStaysOnTheSiteWithinItsLimitsAndHonoursRobots() throws {
        let crawl = try call("browser.crawl", ["url": server.base + "/", "max_depth": 1, "max_pages": 10])
        let pages = (crawl["pages"] as? [[String: Any]] ?? []).compactMap { $0["url"] as? String }
        #expect(pages.first == server.base + "/")
        #expect(pages.contains(server.base + "/docs/a.html"))
        #expect(!pages.contains(server.base + "/docs/c.html"), "depth 2 is beyond max_depth 1")
        #expect(!pages.contains { $0.contains("/private/") })
        let skipped = (crawl["skipped"] as? [[String: Any]] ?? []).map { "\($0["url"] ?? ""): \($0["reason"] ?? "")" }
        #expect(skipped.contains(server.base + "/private/secret.html: disallowed by robots.txt"))
        #expect(skipped.contains("https://elsewhere.example/: another site"))
        #expect((crawl["robots"] as? String)?.hasPrefix("honoured") == true)

        let limited = try call("browser.crawl", ["url": server.base + "/", "max_depth": 3, "max_pages": 2])
        #expect((limited["pages"] as? [Any])?.count == 2)
        #expect((limited["skipped"] as? [[String: Any]] ?? []).contains { ($0["reason"] as? String)?.hasPrefix("over max_pages") == true })
    }

    @Test func submitFormPostsTheFieldsAndGetFormsUseTheQuery() throws {
        let posted = try call("browser.submit_form", ["url": server.base + "/", "form": "signup", "fields": ["name": "Ada Lovelace", "plan": "pro"]])
        #expect(posted["method"] as? String == "POST")
        #expect(posted["status"] as? Int == 200)
        let text = try #require(posted["text"] as? String)
        #expect(text.contains("POST name=Ada+Lovelace&email=someone%40example.org&token=t0k3n&plan=pro&news=yes&note=hello"), "\(text)")

        let searched = try call("browser.submit_form", ["url": server.base + "/", "form": "search", "fields": ["q": "bm25 ranking"]])
        #expect(searched["method"] as? String == "GET")
        #expect((searched["text"] as? String)?.contains("GET q=bm25+ranking") == true)

        let unknown = failure("browser.submit_form", ["url": server.base + "/", "form": "signup", "fields": ["nmae": "x"]])
        #expect(unknown?.0 == .invalidArgument)
        #expect(unknown?.1.contains("no field 'nmae'") == true)
        let required = failure("browser.submit_form", ["url": server.base + "/", "form": "signup", "fields": [:] as [String: String]])
        #expect(required?.1.contains("'name' is required") == true)
        let noForm = failure("browser.submit_form", ["url": server.base + "/", "form": "login", "fields": [:] as [String: String]])
        #expect(noForm?.0 == .notFound)
    }
}
