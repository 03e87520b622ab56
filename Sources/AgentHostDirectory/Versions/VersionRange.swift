import Foundation
@preconcurrency import Version

/// A set of semantic versions, written as npm and Cargo do: `*`, `1.2.3`
/// (exactly), `>=1.2 <2`, `^1.2` (compatible: `>=1.2.0 <2.0.0`, or
/// `>=0.2.0 <0.3.0` below 1.0), `~1.2.3` (patches: `>=1.2.3 <1.3.0`),
/// and alternatives joined by `||`. Pre-releases match only a range that names one.
public struct VersionRange: Sendable, CustomStringConvertible {
    enum Comparison: String, CaseIterable {
        case atLeast = ">=", atMost = "<=", above = ">", below = "<", exactly = "="
    }

    struct Bound {
        var comparison: Comparison
        var version: Version

        func admits(_ candidate: Version) -> Bool {
            switch comparison {
            case .atLeast: candidate >= version
            case .atMost: candidate <= version
            case .above: candidate > version
            case .below: candidate < version
            case .exactly: candidate == version
            }
        }
    }

    /// Alternatives, each a conjunction of bounds; empty admits everything.
    private let alternatives: [[Bound]]
    public let description: String

    public static let any = try! VersionRange("*")

    public init(_ text: String) throws(VersionError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        description = trimmed.isEmpty ? "*" : trimmed
        var alternatives: [[Bound]] = []
        for alternative in description.components(separatedBy: "||") {
            var bounds: [Bound] = []
            for word in alternative.split(separator: " ").map(String.init) where word != "*" {
                bounds += try Self.bounds(of: word, in: description)
            }
            alternatives.append(bounds)
        }
        // One alternative with no bounds (`*`) admits every release.
        self.alternatives = alternatives.contains(where: \.isEmpty) ? [] : alternatives
    }

    private static func bounds(of word: String, in range: String) throws(VersionError) -> [Bound] {
        func version(_ text: Substring) throws(VersionError) -> (Version, parts: Int) {
            let parts = text.split(separator: "-", maxSplits: 1)[0].split(separator: ".").count
            guard let version = Version(tolerant: String(text)) else { throw .malformedRange(range, word: word) }
            return (version, parts)
        }
        if word.hasPrefix("^") || word.hasPrefix("~") {
            let (low, parts) = try version(word.dropFirst())
            let high: Version = if word.hasPrefix("~") {
                parts >= 2 ? Version(low.major, low.minor + 1, 0) : Version(low.major + 1, 0, 0)
            } else if low.major > 0 || parts == 1 {
                Version(low.major + 1, 0, 0)
            } else {
                Version(0, low.minor + 1, 0)
            }
            return [Bound(comparison: .atLeast, version: low), Bound(comparison: .below, version: high)]
        }
        let comparison = Comparison.allCases.first { word.hasPrefix($0.rawValue) }
        let (value, _) = try version(word.dropFirst(comparison?.rawValue.count ?? 0))
        return [Bound(comparison: comparison ?? .exactly, version: value)]
    }

    public func admits(_ version: Version) -> Bool {
        guard !alternatives.isEmpty else { return version.prereleaseIdentifiers.isEmpty }
        return alternatives.contains { bounds in
            // A pre-release is admitted only by a range that names a pre-release of the same version.
            if !version.prereleaseIdentifiers.isEmpty, !bounds.contains(where: {
                !$0.version.prereleaseIdentifiers.isEmpty && ($0.version.major, $0.version.minor, $0.version.patch) == (version.major, version.minor, version.patch)
            }) { return false }
            return bounds.allSatisfy { $0.admits(version) }
        }
    }

    public func admits(_ text: String) -> Bool { Version(tolerant: text).map(admits) ?? false }
}

/// A version or a range that cannot be read.
public enum VersionError: Error, Sendable, CustomStringConvertible {
    case malformedRange(String, word: String)
    case malformedVersion(String)

    public var description: String {
        switch self {
        case .malformedRange(let range, let word):
            "'\(range)' is not a version range ('\(word)' is not understood); write e.g. 1.2.3, ^1.2, ~1.2.3, '>=1.0 <2' or *"
        case .malformedVersion(let text):
            "'\(text)' is not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.4.0)"
        }
    }
}

extension Version {
    /// A version as a package or the host spells it, or an error that says how to spell it.
    static func parse(_ text: String) throws(VersionError) -> Version {
        guard let version = Version(tolerant: text) else { throw .malformedVersion(text) }
        return version
    }
}
