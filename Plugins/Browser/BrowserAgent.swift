import AgentPluginKit
import Foundation

/// The Browser agent: fetches pages through the host's `http_request` (which
/// checks every host and redirect against the manifest), reads them into
/// text, links, forms and metadata, crawls one site politely, and submits forms.
struct BrowserAgent: AgentPlugin {
    static let descriptor = AgentDescriptor(id: "agenthost.browser", name: "Browser", version: "0.1.0",
                                            capabilities: ["browser.fetch", "browser.extract", "browser.crawl", "browser.submit_form"],
                                            threadSafe: true)
    static let userAgent = "agenthost-browser/0.1"

    init(host: PluginHost) {}

    func handle(_ request: AgentRequest) throws -> AgentReply {
        switch request.capability {
        case "browser.fetch": return try .encoding(fetch(request))
        case "browser.extract": return try .encoding(extract(request))
        case "browser.crawl": return try .encoding(crawl(request))
        case "browser.submit_form": return try .encoding(submit(request))
        default: throw AgentError.unsupported("the browser has no capability '\(request.capability)'")
        }
    }

    // MARK: - browser.fetch

    struct FetchInput: Decodable {
        var url: String
        var timeoutMilliseconds: Int?
        var maxBytes: Int?
        var maxRedirects: Int?

        enum CodingKeys: String, CodingKey {
            case url
            case timeoutMilliseconds = "timeout_ms"
            case maxBytes = "max_bytes"
            case maxRedirects = "max_redirects"
        }
    }

    struct Page: Encodable {
        var url: String
        var status: Int
        var ok: Bool
        var contentType: String?
        var charset: String
        var redirects: [String]
        var truncated: Bool
        var bytes: Int
        var text: String

        enum CodingKeys: String, CodingKey {
            case url, status, ok, charset, redirects, truncated, bytes, text
            case contentType = "content_type"
        }
    }

    private func fetch(_ request: AgentRequest) throws -> Page {
        let input = try request.decode(FetchInput.self)
        return try load(AddressInWords.address(in: input.url), request, timeout: input.timeoutMilliseconds, maxBytes: input.maxBytes, maxRedirects: input.maxRedirects)
    }

    private func load(_ url: String, _ request: AgentRequest, method: String = "GET", body: String? = nil, contentType: String? = nil,
                      timeout: Int? = nil, maxBytes: Int? = nil, maxRedirects: Int? = nil) throws -> Page {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), ["http", "https"].contains(scheme), parsed.host != nil else {
            throw AgentError.invalidArgument("'\(url)' is not an http or https URL")
        }
        var headers = ["User-Agent": Self.userAgent, "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.5"]
        if let contentType { headers["Content-Type"] = contentType }
        let response = try request.http(.init(url: url, method: method, headers: headers, body: body,
                                              timeoutMilliseconds: timeout, maxBytes: maxBytes, maxRedirects: maxRedirects))
        let type = response.headers["content-type"]
        let (text, charset) = TextDecoding.decode(response.body, contentType: type)
        return Page(url: response.url, status: response.status, ok: (200..<300).contains(response.status), contentType: type,
                    charset: charset, redirects: response.redirects, truncated: response.truncated, bytes: response.body.count, text: text)
    }

    // MARK: - browser.extract

    struct ExtractInput: Decodable {
        /// Either the HTML itself, or a URL to fetch it from.
        var html: String?
        var url: String?
        /// The address relative links are resolved against, when `html` is given.
        var baseURL: String?

        enum CodingKeys: String, CodingKey {
            case html, url
            case baseURL = "base_url"
        }
    }

    struct Extracted: Encodable {
        var url: String?
        var status: Int?
        var content: PageContent

        func encode(to encoder: any Encoder) throws {
            try content.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeIfPresent(url, forKey: .url)
            try c.encodeIfPresent(status, forKey: .status)
        }

        enum CodingKeys: String, CodingKey { case url, status }
    }

    private func extract(_ request: AgentRequest) throws -> Extracted {
        let input = try request.decode(ExtractInput.self)
        if let html = input.html {
            return Extracted(url: input.baseURL, status: nil, content: PageContent(html: html, url: input.baseURL.flatMap(URL.init(string:))))
        }
        guard let url = input.url else { throw AgentError.invalidArgument("browser.extract needs \"html\" or \"url\"") }
        let page = try load(AddressInWords.address(in: url), request)
        return Extracted(url: page.url, status: page.status, content: PageContent(html: page.text, url: URL(string: page.url)))
    }

    // MARK: - browser.crawl

    struct CrawlInput: Decodable {
        var url: String
        var maxDepth: Int?
        var maxPages: Int?

        enum CodingKeys: String, CodingKey {
            case url
            case maxDepth = "max_depth"
            case maxPages = "max_pages"
        }
    }

    struct CrawledPage: Encodable {
        var url: String
        var depth: Int
        var status: Int
        var title: String
        var headings: [String]
        var links: Int
        var text: String
    }

    struct Skipped: Encodable, Hashable {
        var url: String
        var reason: String
    }

    struct Crawl: Encodable {
        var start: String
        var robots: String
        var pages: [CrawledPage]
        var skipped: [Skipped]
        var errors: [Skipped]
    }

    private func crawl(_ request: AgentRequest) throws -> Crawl {
        let input = try request.decode(CrawlInput.self)
        let maxDepth = min(max(input.maxDepth ?? 2, 0), 10)
        let maxPages = min(max(input.maxPages ?? 20, 1), 500)
        let address = AddressInWords.address(in: input.url)
        guard let start = URL(string: address), let host = start.host, let scheme = start.scheme else {
            throw AgentError.invalidArgument("browser.crawl: '\(address)' is not an http or https URL")
        }
        let origin = "\(scheme)://\(host)" + (start.port.map { ":\($0)" } ?? "")
        // robots.txt first: a missing one (404) allows everything; an unreachable site fails the crawl.
        let robotsPage = try load(origin + "/robots.txt", request, maxBytes: 512 * 1024)
        let robots = robotsPage.ok ? RobotsTxt(robotsPage.text, userAgent: "agenthost-browser") : .allowAll
        var result = Crawl(start: start.absoluteString, robots: robotsPage.ok ? "honoured (\(origin)/robots.txt)" : "none (\(robotsPage.status))",
                           pages: [], skipped: [], errors: [])
        var queue: [(URL, Int)] = [(start, 0)]
        var seen: Set<String> = [Self.key(start)]
        var skipped: Set<Skipped> = []
        while !queue.isEmpty, result.pages.count < maxPages {
            if request.isCancelled { throw AgentError.cancelled("browser.crawl cancelled after \(result.pages.count) pages") }
            let (url, depth) = queue.removeFirst()
            let path = url.path.isEmpty ? "/" : url.path + (url.query.map { "?" + $0 } ?? "")
            guard robots.allows(path) else {
                skipped.insert(Skipped(url: url.absoluteString, reason: "disallowed by robots.txt"))
                continue
            }
            let page: Page
            do {
                page = try load(url.absoluteString, request)
            } catch let error as AgentError {
                result.errors.append(Skipped(url: url.absoluteString, reason: error.message))
                continue
            }
            request.reportProgress(Double(result.pages.count + 1) / Double(maxPages), "crawled \(url.absoluteString)")
            let content = PageContent(html: page.text, url: URL(string: page.url))
            result.pages.append(CrawledPage(url: page.url, depth: depth, status: page.status, title: content.title,
                                            headings: content.headings.map(\.text), links: content.links.count,
                                            text: String(content.text.prefix(2000))))
            if !page.ok { result.errors.append(Skipped(url: page.url, reason: "HTTP \(page.status)")) }
            guard depth < maxDepth, !content.robots.contains("nofollow") else { continue }
            for link in content.links where link.rel?.contains("nofollow") != true {
                guard let next = URL(string: link.href), let scheme = next.scheme?.lowercased(), scheme == "http" || scheme == "https" else { continue }
                guard next.host == host, next.port == start.port else {
                    skipped.insert(Skipped(url: next.absoluteString, reason: "another site"))
                    continue
                }
                if seen.insert(Self.key(next)).inserted { queue.append((next, depth + 1)) }
            }
        }
        for (url, _) in queue { skipped.insert(Skipped(url: url.absoluteString, reason: "over max_pages (\(maxPages))")) }
        result.skipped = skipped.sorted { $0.url < $1.url }
        return result
    }

    /// A URL without its fragment, for "seen before".
    private static func key(_ url: URL) -> String {
        var components = URLComponents(url: url, resolvingAgainstBaseURL: true)
        components?.fragment = nil
        return components?.string ?? url.absoluteString
    }

    // MARK: - browser.submit_form

    struct SubmitInput: Decodable {
        var url: String
        /// Which form: its id, its name, or its position (0-based) on the page.
        var form: String?
        var fields: [String: String]
    }

    struct Submitted: Encodable {
        var action: String
        var method: String
        var sent: [String: String]
        var status: Int
        var url: String
        var title: String
        var text: String
    }

    private func submit(_ request: AgentRequest) throws -> Submitted {
        let input = try request.decode(SubmitInput.self)
        let page = try load(input.url, request)
        let content = PageContent(html: page.text, url: URL(string: page.url))
        guard !content.forms.isEmpty else { throw AgentError.notFound("browser.submit_form: \(page.url) has no form") }
        let form: PageContent.Form
        if let wanted = input.form {
            guard let found = content.forms.first(where: { $0.id == wanted || $0.name == wanted })
                    ?? Int(wanted).flatMap({ content.forms.indices.contains($0) ? content.forms[$0] : nil }) else {
                let known = content.forms.enumerated().map { "\($0.offset): \($0.element.id ?? $0.element.name ?? "(unnamed)")" }
                throw AgentError.notFound("browser.submit_form: no form '\(wanted)' on \(page.url); it has \(known.joined(separator: ", "))")
            }
            form = found
        } else {
            form = content.forms[0]
        }
        let names = Set(form.fields.map(\.name))
        if let unknown = input.fields.keys.sorted().first(where: { !names.contains($0) }) {
            throw AgentError.invalidArgument("browser.submit_form: the form has no field '\(unknown)'; its fields are \(form.fields.map(\.name).joined(separator: ", "))")
        }
        // The form's own values, as a browser would send them, overlaid with the caller's.
        var pairs: [(String, String)] = []
        for field in form.fields {
            if let given = input.fields[field.name] {
                if let options = field.options, field.type == "select" || field.type == "radio", !options.contains(given) {
                    throw AgentError.invalidArgument("browser.submit_form: '\(given)' is not an option of '\(field.name)' (\(options.joined(separator: ", ")))")
                }
                pairs.append((field.name, given))
            } else if field.type == "checkbox" || field.type == "radio" {
                if field.checked == true { pairs.append((field.name, field.value)) }
            } else {
                if field.required, field.value.isEmpty {
                    throw AgentError.invalidArgument("browser.submit_form: the field '\(field.name)' is required; give it in \"fields\"")
                }
                pairs.append((field.name, field.value))
            }
        }
        let encoded = Self.formEncode(pairs)
        let result: Page
        if form.method == "post" {
            result = try load(form.action, request, method: "POST", body: encoded, contentType: "application/x-www-form-urlencoded")
        } else {
            var components = URLComponents(string: form.action)
            components?.percentEncodedQuery = encoded
            result = try load(components?.string ?? form.action, request)
        }
        let answer = PageContent(html: result.text, url: URL(string: result.url))
        return Submitted(action: form.action, method: form.method.uppercased(), sent: Dictionary(pairs, uniquingKeysWith: { _, last in last }),
                         status: result.status, url: result.url, title: answer.title, text: String(answer.text.prefix(4000)))
    }

    /// application/x-www-form-urlencoded, as HTML specifies it (spaces as "+").
    static func formEncode(_ pairs: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "*-._ ")
        func encode(_ text: String) -> String {
            (text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text).replacingOccurrences(of: " ", with: "+")
        }
        return pairs.map { encode($0.0) + "=" + encode($0.1) }.joined(separator: "&")
    }
}

@_cdecl("agenthost_swift_plugin")
public func agenthostSwiftPlugin() -> UnsafeRawPointer { AgentPluginExport.functions(for: BrowserAgent.self) }
