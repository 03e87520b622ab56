import Foundation
@preconcurrency import Version

/// One release of one plugin in one trusted directory: what an install or an
/// update would fetch.
public struct ReleaseCandidate: Sendable {
    public var directory: TrustedDirectory
    public var plugin: DirectoryIndex.Plugin
    public var release: DirectoryIndex.Release

    public init(directory: TrustedDirectory, plugin: DirectoryIndex.Plugin, release: DirectoryIndex.Release) {
        self.directory = directory
        self.plugin = plugin
        self.release = release
    }

    /// The newest release of `id` within `range` that this host can run,
    /// across `indexes` (in the order the directories were added). When
    /// there is none, the error lists why each newest release was passed over.
    public static func newest(_ id: String, in range: VersionRange = .any, among indexes: [(TrustedDirectory, DirectoryIndex)],
                              host: HostRequirements = .current) throws(DirectoryError) -> ReleaseCandidate {
        var offered: [ReleaseCandidate] = []
        for (directory, index) in indexes {
            guard let plugin = index.plugin(id) else { continue }
            offered += plugin.releases.map { ReleaseCandidate(directory: directory, plugin: plugin, release: $0) }
        }
        guard !offered.isEmpty else { throw .noSuchPlugin(id: id, searched: indexes.map { $0.0.label }) }
        // Newest first; the first directory added wins a tie.
        let ordered = offered.enumerated().sorted { lhs, rhs in
            lhs.element.release.version == rhs.element.release.version
                ? lhs.offset < rhs.offset : VersionOrder.precedes(rhs.element.release.version, lhs.element.release.version)
        }.map(\.element)
        var reasons: [String] = []
        for candidate in ordered {
            let release = candidate.release
            let name = "\(release.version) (\(release.platform)) in \(candidate.directory.name)"
            if !range.admits(release.version) {
                reasons.append("\(name): outside the range \(range)")
            } else if let problem = host.problem(with: release) {
                reasons.append("\(name): \(problem)")
            } else {
                return candidate
            }
        }
        throw .noCompatibleRelease(id: id, reasons: Array(reasons.prefix(8)))
    }
}
