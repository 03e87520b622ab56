import AgentHostCore
import AgentHostDirectory
import Foundation

/// The marketplace's HTML: a searchable list of the directory's plugins, and
/// a page per plugin with what a person should know before installing it.
/// Plain HTML and CSS; the list also filters as one types (`search.js`),
/// and works without the script through the search form.
enum MarketplacePage {
    static func list(_ state: MarketplaceCatalog.State, query: String, address: String) -> String {
        let hits = state.search.search(query, limit: 500)
        let name = state.index?.name ?? "agenthost directory"
        var body = """
            <header><h1>\(escape(name))</h1><p class="lede">Agent plugins for agenthost, signed by their publishers \
            and listed in an index signed by this directory.</p></header>
            <form class="search" action="/" method="get" role="search">
              <label for="q">Search plugins</label>
              <input id="q" name="q" type="search" value="\(escape(query))" placeholder="id, name, capability or keyword" autocomplete="off">
              <button type="submit">Search</button>
            </form>
            """
        if let problem = state.problem {
            body += "<p class=\"problem\">This directory's index cannot be read: \(escape(problem))</p>"
        } else if state.index == nil {
            body += "<p class=\"empty\">Nothing is published here yet. Publish a package with <code>agenthost directory publish PACKAGE --to DIR --key KEY</code>.</p>"
        }
        body += "<p id=\"count\" class=\"count\">\(countText(hits.count, query: query))</p><ul id=\"results\" class=\"results\">"
        body += hits.map(listItem).joined()
        body += "</ul>"
        body += addDirectory(state, address: address)
        return page(title: name, body: body, script: true)
    }

    static func listItem(_ hit: PluginSearch.Hit) -> String {
        let plugin = hit.plugin
        let capabilities = plugin.capabilities.map { "<code>\(escape($0))</code>" }.joined(separator: " ")
        return """
            <li class="plugin" data-id="\(escape(plugin.id))"><a href="/plugins/\(escape(plugin.id))"><span class="name">\(escape(plugin.name))</span> \
            <span class="id">\(escape(plugin.id))</span> <span class="version">\(escape(plugin.version))</span></a>\
            <p>\(escape(plugin.description))</p><p class="capabilities">\(capabilities)</p></li>
            """
    }

    static func countText(_ count: Int, query: String) -> String {
        let plugins = count == 1 ? "1 plugin" : "\(count) plugins"
        return query.isEmpty ? plugins : "\(plugins) for “\(escape(query))”"
    }

    static func plugin(_ plugin: DirectoryIndex.Plugin, state: MarketplaceCatalog.State, address: String) -> String {
        let releases = plugin.newestFirst
        var body = """
            <nav><a href="/">← All plugins</a></nav>
            <header><h1>\(escape(plugin.name))</h1><p class="id">\(escape(plugin.id))</p><p class="lede">\(escape(plugin.description))</p></header>
            <section><h2>Install</h2><pre id="install"><code>agenthost plugins install \(escape(plugin.id))</code></pre>
            <p>The host shows the permissions below and asks before it installs; the plugin then runs isolated in its own process unless your policy trusts it.</p></section>
            """
        if let newest = releases.first {
            body += capabilitiesSection(newest) + toolsSection(newest) + permissionsSection(newest)
            body += "<section><h2>Publisher</h2>"
            if let key = newest.publisherKey {
                body += "<p>Signed by \(escape(key.description)):</p><pre class=\"key\"><code>\(escape(key.line))</code></pre>"
            } else {
                body += "<p class=\"problem\">Unsigned: installing it needs a directory added with <code>--allow-unsigned</code>.</p>"
            }
            body += "</section>"
        }
        body += "<section><h2>Versions</h2><table class=\"versions\"><thead><tr><th>Version</th><th>Platform</th><th>ABI</th><th>Host</th>"
            + "<th>Size</th><th>Published</th><th>SHA-256</th></tr></thead><tbody>"
        for release in releases {
            body += "<tr><td>\(escape(release.version))</td><td>\(escape(release.platform.name))</td><td>\(release.abi)</td>"
                + "<td>\(escape(release.hostVersions))</td><td>\(ByteCount.text(release.size))</td>"
                + "<td>\(release.published.formatted(.iso8601.year().month().day()))</td><td><code>\(release.sha256.prefix(16))…</code></td></tr>"
        }
        body += "</tbody></table></section>"
        body += addDirectory(state, address: address)
        return page(title: "\(plugin.name) · \(state.index?.name ?? "directory")", body: body, script: false)
    }

    private static func capabilitiesSection(_ release: DirectoryIndex.Release) -> String {
        var text = "<section><h2>Capabilities</h2><table class=\"capabilities\"><thead><tr><th>Capability</th><th>Input</th><th>Output</th><th>States</th></tr></thead><tbody>"
        for capability in release.capabilities {
            text += "<tr><td><code>\(escape(capability.name))</code><p>\(escape(capability.description))</p></td>"
                + "<td><code>\(escape(SchemaSummary.text(capability.input)))</code></td>"
                + "<td><code>\(escape(SchemaSummary.text(capability.output)))</code></td>"
                + "<td>\(escape(capability.states.joined(separator: ", ")))</td></tr>"
        }
        return text + "</tbody></table></section>"
    }

    private static func toolsSection(_ release: DirectoryIndex.Release) -> String {
        guard !release.tools.isEmpty else { return "<section><h2>Tools</h2><p>None.</p></section>" }
        var text = "<section><h2>Tools</h2><table class=\"tools\"><thead><tr><th>Tool</th><th>Signature</th><th>Runs in states</th></tr></thead><tbody>"
        for tool in release.tools {
            text += "<tr><td><code>\(escape(tool.name))</code><p>\(escape(tool.description))</p></td><td><code>\(escape(tool.signature))</code></td>"
                + "<td>\(escape(tool.states.joined(separator: ", ")))</td></tr>"
        }
        return text + "</tbody></table></section>"
    }

    private static func permissionsSection(_ release: DirectoryIndex.Release) -> String {
        let permissions = release.permissions
        func row(_ name: String, _ values: [String]) -> String {
            "<tr><th>\(name)</th><td>\(values.isEmpty ? "none" : values.map { "<code>\(escape($0))</code>" }.joined(separator: " "))</td></tr>"
        }
        var text = "<section><h2>Permissions</h2><table class=\"permissions\"><tbody>"
        text += row("Network hosts", permissions.network) + row("Paths", permissions.paths) + row("Commands", permissions.commands) + row("Models", permissions.models)
        text += "<tr><th>Time per request</th><td>\(permissions.timeoutMilliseconds) ms</td></tr>"
        text += "<tr><th>Output per request</th><td>\(ByteCount.text(permissions.maxOutputBytes))</td></tr>"
        let limits = release.limits.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
        text += "<tr><th>Limits it sets</th><td>\(limits.isEmpty ? "the host's" : escape(limits.joined(separator: ", ")))</td></tr>"
        return text + "</tbody></table></section>"
    }

    private static func addDirectory(_ state: MarketplaceCatalog.State, address: String) -> String {
        guard let key = state.key, let index = state.index else { return "" }
        let name = PluginSearch.words(of: index.name).joined(separator: "-")
        return """
            <footer><h2>Use this directory</h2><pre><code>agenthost directory add \(escape(name.isEmpty ? "directory" : name)) \(escape(address)) --key '\(escape(key.line))'</code></pre>
            <p>Index version \(index.version), signed by \(escape(key.description)), valid until \(index.expires.formatted(.iso8601)).</p></footer>
            """
    }

    static func missing(id: String, state: MarketplaceCatalog.State) -> String {
        page(title: "Not found", body: "<nav><a href=\"/\">← All plugins</a></nav><h1>No plugin \(escape(id))</h1><p>This directory does not list it.</p>", script: false)
    }

    /// What the page's script asks for as one types: the list items, already rendered, and the count.
    static func searchJSON(_ state: MarketplaceCatalog.State, query: String) -> [UInt8] {
        let hits = state.search.search(query, limit: 500)
        let object: [String: Any] = ["count": countText(hits.count, query: query), "html": hits.map(listItem).joined()]
        return Array((try? JSONSerialization.data(withJSONObject: object)) ?? Data())
    }

    private static func page(title: String, body: String, script: Bool) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title><link rel="stylesheet" href="/assets/marketplace.css">\(script ? "<script src=\"/assets/search.js\" defer></script>" : "")</head>
        <body><main>\(body)</main></body></html>
        """
    }

    static func escape(_ text: some StringProtocol) -> String { HTMLText.escape(text) }
}
