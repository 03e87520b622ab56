/// Why a package was refused, by the check that failed: each message names
/// the package, the check and what to do about it.
public struct PackageError: Error, Sendable, CustomStringConvertible {
    /// The checks, in the order a package goes through them.
    public enum Check: String, Sendable {
        /// The whole file against the size and SHA-256 the directory's index pins.
        case hash
        /// The archive itself: readable, flat, no links, no oversized entries.
        case archive
        /// `package.json` is there and well-formed.
        case descriptor
        /// Signed, by a key trusted here, and the signature matches.
        case signature
        /// Every file matches the size and SHA-256 in `package.json`, and nothing else is there.
        case files
        /// `plugin.json` is a valid manifest that agrees with `package.json`.
        case manifest
        /// The plugin can run on this host: platform, ABI, host version.
        case compatibility
    }

    public var package: String
    public var check: Check
    public var problem: String

    public init(package: String, check: Check, _ problem: String) {
        self.package = package
        self.check = check
        self.problem = problem
    }

    public var description: String { "\(package) refused (\(check.rawValue) check): \(problem)" }
}
