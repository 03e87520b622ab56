import AgentHostDirectory
import Foundation
import Synchronization

/// The directory's index as the page shows it, read again only when the
/// files change (a publish while the server runs shows at the next request).
final class MarketplaceCatalog: Sendable {
    struct State: Sendable {
        var index: DirectoryIndex?
        var search: PluginSearch
        /// The key that signed the index, for the page's "add this directory" line.
        var key: PublicKey?
        /// Why the index could not be read, for the page to say.
        var problem: String?
    }

    private let folder: DirectoryFolder
    private let cache = Mutex<(stamp: String, state: State)?>(nil)

    init(folder: DirectoryFolder) { self.folder = folder }

    func current() throws -> State {
        let stamp = Self.stamp(of: folder.url.appendingPathComponent(DirectoryIndex.fileName))
        if let cached = cache.withLock({ $0 }), cached.stamp == stamp { return cached.state }
        var state = State(index: nil, search: PluginSearch([]), key: nil, problem: nil)
        do {
            if let index = try folder.index() {
                state.index = index
                state.search = PluginSearch([(index.name, index)])
                state.key = try? SignedIndex.read(from: folder.url)?.signer
            }
        } catch {
            state.problem = "\(error)"
        }
        cache.withLock { $0 = (stamp, state) }
        return state
    }

    private static func stamp(of url: URL) -> String {
        let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
        let date = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return "\(date)-\(attributes?[.size] as? Int ?? -1)"
    }
}
