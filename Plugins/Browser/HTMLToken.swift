/// One piece of an HTML document, as ``HTMLTokenizer`` reads it.
enum HTMLToken: Sendable, Equatable {
    /// A start tag; names are lower case, attribute values decoded.
    case start(name: String, attributes: [String: String], selfClosing: Bool)
    case end(name: String)
    /// Text with character references decoded.
    case text(String)
}
