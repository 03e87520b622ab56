import Foundation

/// What a page says, read from its tokens: title, readable text, headings,
/// links and forms (URLs made absolute against the page's base), metadata.
struct PageContent: Encodable, Sendable {
    struct Heading: Encodable, Sendable { var level: Int; var text: String }
    struct Link: Encodable, Sendable { var href: String; var text: String; var rel: String? }

    struct Form: Encodable, Sendable {
        struct Field: Encodable, Sendable {
            var name: String
            var type: String
            var value: String
            var required: Bool
            /// For select, radio and checkbox groups: the values offered.
            var options: [String]?
            var checked: Bool?
        }

        var id: String?
        var name: String?
        var action: String
        var method: String
        var enctype: String
        var fields: [Field]
    }

    var title: String = ""
    var lang: String?
    var text: String = ""
    var headings: [Heading] = []
    var links: [Link] = []
    var forms: [Form] = []
    var meta: [String: String] = [:]
    /// `<meta name="robots" content="nofollow">` and the like, lower case.
    var robots: Set<String> { Set((meta["robots"] ?? "").lowercased().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) }

    enum CodingKeys: String, CodingKey { case title, lang, text, headings, links, forms, meta }

    /// Elements whose content is not part of the page's reading text.
    private static let hidden: Set<String> = ["script", "style", "noscript", "template", "head", "svg", "iframe", "object", "select", "textarea", "button"]
    /// Page chrome left out of the reading text (their links still count).
    private static let chrome: Set<String> = ["nav", "header", "footer", "aside"]
    private static let blocks: Set<String> = ["p", "div", "br", "li", "ul", "ol", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6",
                                              "tr", "table", "blockquote", "pre", "hr", "form", "dd", "dt", "dl", "figure", "figcaption", "body"]
    private static let void: Set<String> = ["br", "hr", "img", "input", "meta", "link", "area", "base", "col", "embed", "source", "track", "wbr"]

    init(html: String, url: URL?) {
        var base = url
        var hiddenDepth: [String] = []
        var chromeDepth: [String] = []
        var inTitle = false
        var heading: (level: Int, text: String)?
        var link: (href: String, text: String, rel: String?)?
        var form: Form?
        var select: (name: String, options: [String], selected: String?, required: Bool)?
        var textarea: (name: String, value: String, required: Bool)?
        var option: String?
        var reading = ""
        func resolve(_ href: String) -> String {
            let trimmed = href.trimmingCharacters(in: .whitespacesAndNewlines)
            guard let base else { return trimmed }
            return URL(string: trimmed, relativeTo: base)?.absoluteURL.absoluteString ?? trimmed
        }
        func breakLine() { if !reading.hasSuffix("\n") && !reading.isEmpty { reading += "\n" } }

        for token in HTMLTokenizer.tokens(of: html) {
            switch token {
            case .start(let name, let attributes, let selfClosing):
                switch name {
                case "html": lang = attributes["lang"]
                case "base": if let href = attributes["href"], let value = URL(string: href, relativeTo: base) { base = value.absoluteURL }
                case "title": inTitle = true
                case "meta":
                    if let key = attributes["name"] ?? attributes["property"] ?? attributes["http-equiv"], let content = attributes["content"] {
                        meta[key.lowercased()] = content
                    } else if let charset = attributes["charset"] {
                        meta["charset"] = charset
                    }
                case "h1", "h2", "h3", "h4", "h5", "h6": heading = (Int(name.dropFirst())!, "")
                case "a": if let href = attributes["href"] { link = (resolve(href), "", attributes["rel"]) }
                case "img": if link != nil, let alt = attributes["alt"] { link!.text += alt }
                case "form":
                    form = Form(id: attributes["id"], name: attributes["name"], action: resolve(attributes["action"] ?? (url?.absoluteString ?? "")),
                                method: (attributes["method"] ?? "get").lowercased(),
                                enctype: attributes["enctype"] ?? "application/x-www-form-urlencoded", fields: [])
                case "input":
                    guard let fieldName = attributes["name"], form != nil else { break }
                    let type = (attributes["type"] ?? "text").lowercased()
                    if ["submit", "button", "reset", "image", "file"].contains(type) { break }
                    let field = Form.Field(name: fieldName, type: type, value: attributes["value"] ?? (type == "checkbox" ? "on" : ""),
                                           required: attributes["required"] != nil,
                                           options: type == "radio" ? [attributes["value"] ?? "on"] : nil,
                                           checked: type == "checkbox" || type == "radio" ? attributes["checked"] != nil : nil)
                    if type == "radio", let index = form!.fields.firstIndex(where: { $0.name == fieldName && $0.type == "radio" }) {
                        form!.fields[index].options?.append(field.value)
                        if field.checked == true { form!.fields[index].value = field.value; form!.fields[index].checked = true }
                    } else {
                        form!.fields.append(field)
                    }
                case "select": if let fieldName = attributes["name"] { select = (fieldName, [], nil, attributes["required"] != nil) }
                case "option":
                    option = attributes["value"] ?? ""
                    if attributes["value"] != nil, attributes["selected"] != nil { select?.selected = attributes["value"] }
                    if attributes["value"] == nil { option = nil; select?.options.append("") }
                    if let value = option { select?.options.append(value) }
                case "textarea": if let fieldName = attributes["name"] { textarea = (fieldName, "", attributes["required"] != nil) }
                default: break
                }
                if Self.hidden.contains(name), !selfClosing, !Self.void.contains(name) { hiddenDepth.append(name) }
                if Self.chrome.contains(name), !selfClosing { chromeDepth.append(name) }
                if Self.blocks.contains(name) { breakLine() }
            case .end(let name):
                if let index = hiddenDepth.lastIndex(of: name) { hiddenDepth.removeSubrange(index...) }
                if let index = chromeDepth.lastIndex(of: name) { chromeDepth.removeSubrange(index...) }
                switch name {
                case "title": inTitle = false
                case "h1", "h2", "h3", "h4", "h5", "h6":
                    if let current = heading {
                        let text = Self.collapse(current.text)
                        if !text.isEmpty { headings.append(Heading(level: current.level, text: text)) }
                    }
                    heading = nil
                case "a":
                    if let current = link { links.append(Link(href: current.href, text: Self.collapse(current.text), rel: current.rel)) }
                    link = nil
                case "form":
                    if let current = form { forms.append(current) }
                    form = nil
                case "select":
                    if let current = select {
                        form?.fields.append(Form.Field(name: current.name, type: "select", value: current.selected ?? current.options.first ?? "",
                                                       required: current.required, options: current.options, checked: nil))
                    }
                    select = nil
                case "textarea":
                    if let current = textarea {
                        form?.fields.append(Form.Field(name: current.name, type: "textarea", value: current.value, required: current.required,
                                                       options: nil, checked: nil))
                    }
                    textarea = nil
                default: break
                }
                if Self.blocks.contains(name) { breakLine() }
            case .text(let value):
                if inTitle { title += value; continue }
                if textarea != nil { textarea!.value += value; continue }
                if select != nil {
                    // An <option> without a value attribute takes its text.
                    if option == nil, let last = select!.options.indices.last, select!.options[last].isEmpty || !value.trimmingCharacters(in: .whitespaces).isEmpty {
                        select!.options[last] += value.trimmingCharacters(in: .whitespacesAndNewlines)
                    }
                    continue
                }
                guard hiddenDepth.isEmpty else { continue }
                if heading != nil { heading!.text += value }
                if link != nil { link!.text += value }
                if chromeDepth.isEmpty { reading += value }
            }
        }
        // Unclosed at the end of a malformed page: keep what was open.
        if let current = form { forms.append(current) }
        if let current = link { links.append(Link(href: current.href, text: Self.collapse(current.text), rel: current.rel)) }
        if let current = heading, !Self.collapse(current.text).isEmpty { headings.append(Heading(level: current.level, text: Self.collapse(current.text))) }
        title = Self.collapse(title)
        text = reading.split(separator: "\n").map { Self.collapse(String($0)) }.filter { !$0.isEmpty }.joined(separator: "\n")
    }

    /// Runs of whitespace (non-breaking spaces included) as one space, trimmed.
    static func collapse(_ text: String) -> String {
        text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }
}
