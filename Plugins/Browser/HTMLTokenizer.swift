/// Reads HTML as browsers do in spirit: never fails, takes unquoted and
/// missing attribute values, unclosed tags and stray `<`, treats the content
/// of script, style, textarea and title as raw text, and skips comments and
/// doctypes. Tree building is left to the reader of the tokens.
struct HTMLTokenizer {
    static let rawTextElements: Set<String> = ["script", "style", "textarea", "title", "xmp", "noembed", "noframes"]

    static func tokens(of html: String) -> [HTMLToken] {
        let s = Array(html.unicodeScalars)
        var tokens: [HTMLToken] = []
        var text = String.UnicodeScalarView()
        var i = 0
        func flushText() {
            if !text.isEmpty { tokens.append(.text(HTMLEntities.decode(String(text)))) }
            text = String.UnicodeScalarView()
        }
        while i < s.count {
            let c = s[i]
            guard c == "<", i + 1 < s.count else { text.append(c); i += 1; continue }
            let next = s[i + 1]
            if next == "!" || next == "?" {
                // Comment, doctype, CDATA or processing instruction: skip to its end.
                flushText()
                if i + 3 < s.count, s[i + 2] == "-", s[i + 3] == "-" {
                    i = find(s, "-->", from: i + 4).map { $0 + 3 } ?? s.count
                } else {
                    i = (firstIndex(of: ">", in: s, from: i + 2) ?? s.count - 1) + 1
                }
                continue
            }
            let isEnd = next == "/"
            let nameStart = isEnd ? i + 2 : i + 1
            guard nameStart < s.count, s[nameStart].properties.isAlphabetic else {
                text.append(c)   // a stray "<", as in "a < b"
                i += 1
                continue
            }
            flushText()
            var j = nameStart
            while j < s.count, !isSpace(s[j]), s[j] != "/", s[j] != ">" { j += 1 }
            let name = String(String.UnicodeScalarView(s[nameStart..<j])).lowercased()
            var attributes: [String: String] = [:]
            var selfClosing = false
            // Attributes, until ">" (or the end of input).
            while j < s.count, s[j] != ">" {
                if isSpace(s[j]) { j += 1; continue }
                if s[j] == "/" { selfClosing = true; j += 1; continue }
                var k = j
                while k < s.count, !isSpace(s[k]), s[k] != "=", s[k] != ">", !(s[k] == "/" && k + 1 < s.count && s[k + 1] == ">") { k += 1 }
                let key = String(String.UnicodeScalarView(s[j..<k])).lowercased()
                j = k
                while j < s.count, isSpace(s[j]) { j += 1 }
                var value = ""
                if j < s.count, s[j] == "=" {
                    j += 1
                    while j < s.count, isSpace(s[j]) { j += 1 }
                    if j < s.count, s[j] == "\"" || s[j] == "'" {
                        let quote = s[j]
                        let end = firstIndex(of: quote, in: s, from: j + 1) ?? s.count
                        value = String(String.UnicodeScalarView(s[(j + 1)..<end]))
                        j = min(end + 1, s.count)
                    } else {
                        var end = j
                        while end < s.count, !isSpace(s[end]), s[end] != ">" { end += 1 }
                        value = String(String.UnicodeScalarView(s[j..<end]))
                        j = end
                    }
                }
                if !key.isEmpty, attributes[key] == nil { attributes[key] = HTMLEntities.decode(value) }
                selfClosing = false
            }
            i = j + 1
            if isEnd {
                tokens.append(.end(name: name))
                continue
            }
            tokens.append(.start(name: name, attributes: attributes, selfClosing: selfClosing))
            if rawTextElements.contains(name), !selfClosing {
                // Everything up to the matching end tag is text, markup included.
                let end = findEndTag(s, name, from: i) ?? s.count
                let raw = String(String.UnicodeScalarView(s[min(i, s.count)..<end]))
                if !raw.isEmpty { tokens.append(.text(name == "script" || name == "style" ? raw : HTMLEntities.decode(raw))) }
                tokens.append(.end(name: name))
                i = firstIndex(of: ">", in: s, from: end).map { $0 + 1 } ?? s.count
            }
        }
        flushText()
        return tokens
    }

    private static func isSpace(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\n" || c == "\t" || c == "\r" || c == "\u{0C}" }

    private static func firstIndex(of c: Unicode.Scalar, in s: [Unicode.Scalar], from start: Int) -> Int? {
        var i = start
        while i < s.count { if s[i] == c { return i }; i += 1 }
        return nil
    }

    private static func find(_ s: [Unicode.Scalar], _ needle: String, from start: Int) -> Int? {
        let n = Array(needle.unicodeScalars)
        var i = start
        while i + n.count <= s.count {
            if s[i] == n[0], Array(s[i..<(i + n.count)]) == n { return i }
            i += 1
        }
        return nil
    }

    /// The index of `</name` (any case) at or after `start`.
    private static func findEndTag(_ s: [Unicode.Scalar], _ name: String, from start: Int) -> Int? {
        let n = Array(name.unicodeScalars)
        var i = start
        while i + 2 + n.count <= s.count {
            if s[i] == "<", s[i + 1] == "/" {
                let candidate = String(String.UnicodeScalarView(s[(i + 2)..<(i + 2 + n.count)])).lowercased()
                if candidate == name { return i }
            }
            i += 1
        }
        return nil
    }
}
