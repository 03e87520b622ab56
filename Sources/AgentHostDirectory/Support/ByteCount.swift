import Foundation

/// A size as people read it: `5.0 MB`, `6.2 kB`, `512 bytes`.
public enum ByteCount {
    public static func text(_ bytes: Int) -> String {
        bytes >= 1 << 20 ? String(format: "%.1f MB", Double(bytes) / 1_048_576)
            : bytes >= 1024 ? String(format: "%.1f kB", Double(bytes) / 1024) : "\(bytes) bytes"
    }
}
