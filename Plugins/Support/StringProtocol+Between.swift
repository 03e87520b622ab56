extension StringProtocol {
    /// The text between the first `open` and the `close` that follows it.
    public func between(_ open: String, _ close: String) -> SubSequence? {
        guard let start = range(of: open)?.upperBound, let end = self[start...].range(of: close)?.lowerBound else { return nil }
        return self[start..<end]
    }
}
