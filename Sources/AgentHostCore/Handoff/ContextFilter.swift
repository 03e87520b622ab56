import Foundation

/// Passes on only the top-level keys of a handoff context that the source's
/// manifest names for the target, so an agent cannot leak more than declared.
enum ContextFilter {
    static func apply(_ keys: [String]?, to context: [UInt8], source: String, target: String) throws(HandoffError) -> [UInt8] {
        guard let keys else { return context.isEmpty ? Array("{}".utf8) : context }
        guard !context.isEmpty else { return Array("{}".utf8) }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(context))) as? [String: Any] else {
            throw .badContext(source: source, target: target, problem: "the context must be a JSON object, since the manifest filters its keys")
        }
        let kept = object.filter { keys.contains($0.key) }
        guard let data = try? JSONSerialization.data(withJSONObject: kept, options: [.sortedKeys]) else {
            throw .badContext(source: source, target: target, problem: "the filtered context cannot be written as JSON")
        }
        return Array(data)
    }
}
