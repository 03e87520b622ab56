@preconcurrency import Version

/// Semantic-version order for the version strings packages carry; a string
/// that is not a version sorts before every one that is.
public enum VersionOrder {
    public static func precedes(_ lhs: String, _ rhs: String) -> Bool {
        switch (Version(tolerant: lhs), Version(tolerant: rhs)) {
        case let (left?, right?): left < right
        case (nil, _?): true
        case (_?, nil): false
        case (nil, nil): lhs < rhs
        }
    }
}
