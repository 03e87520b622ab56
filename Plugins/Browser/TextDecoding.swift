import Foundation

/// Bytes to text by the charset a response declares: the Content-Type
/// header first, then a byte order mark, then `<meta charset>` in the first
/// kilobytes; UTF-8 when none says, and windows-1252 (as browsers do) when
/// the bytes are not valid UTF-8.
enum TextDecoding {
    static func decode(_ body: [UInt8], contentType: String?) -> (text: String, charset: String) {
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { return (String(decoding: body.dropFirst(3), as: UTF8.self), "utf-8") }
        if body.starts(with: [0xFF, 0xFE]) { return (decode(Array(body.dropFirst(2)), as: .utf16LittleEndian) ?? "", "utf-16le") }
        if body.starts(with: [0xFE, 0xFF]) { return (decode(Array(body.dropFirst(2)), as: .utf16BigEndian) ?? "", "utf-16be") }
        let declared = contentType.flatMap(charset(inContentType:)) ?? metaCharset(body)
        if let declared, let encoding = encoding(named: declared), let text = decode(body, as: encoding) {
            return (text, declared.lowercased())
        }
        if let text = String(validating: body, as: UTF8.self) {
            return (text, "utf-8")
        }
        return (decode(body, as: .windowsCP1252) ?? String(decoding: body, as: UTF8.self), "windows-1252")
    }

    static func charset(inContentType value: String) -> String? {
        for part in value.split(separator: ";") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == "charset" { return pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"'")) }
        }
        return nil
    }

    /// `<meta charset="x">` or `<meta http-equiv="Content-Type" content="text/html; charset=x">` near the top.
    private static func metaCharset(_ body: [UInt8]) -> String? {
        let head = String(decoding: body.prefix(4096), as: UTF8.self).lowercased()
        guard let range = head.range(of: "charset=") else { return nil }
        let rest = head[range.upperBound...].drop { $0 == "\"" || $0 == "'" }
        let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
        return name.isEmpty ? nil : String(name)
    }

    private static func encoding(named name: String) -> String.Encoding? {
        switch name.lowercased() {
        case "utf-8", "utf8": return .utf8
        case "iso-8859-1", "latin1", "latin-1", "iso8859-1", "us-ascii", "ascii": return .isoLatin1
        case "windows-1252", "cp1252": return .windowsCP1252
        case "utf-16", "utf-16le": return .utf16LittleEndian
        case "utf-16be": return .utf16BigEndian
        case "iso-8859-2", "latin2": return .isoLatin2
        case "shift_jis", "shift-jis", "sjis": return .shiftJIS
        case "euc-jp": return .japaneseEUC
        default: return nil
        }
    }

    private static func decode(_ bytes: [UInt8], as encoding: String.Encoding) -> String? {
        String(data: Data(bytes), encoding: encoding)
    }
}
