import Foundation

/// A span of microseconds as a person reads it: "412 µs", "3.1 ms", "2.05 s".
public enum ElapsedText {
    public static func format(micros: Int64) -> String {
        micros >= 1_000_000 ? String(format: "%.2f s", Double(micros) / 1e6)
            : micros >= 1000 ? String(format: "%.1f ms", Double(micros) / 1e3) : "\(micros) µs"
    }
}
