import ArgumentParser

/// The bounds of the numbers a person gives the CLI. Every one is checked
/// before anything is stored, so no value can overflow a deadline or reach
/// a trap.
enum Limits {
    /// The longest timeout: 30 days. Longer is not a timeout but no timeout; leave the option out.
    static let maximumTimeoutSeconds = 2_592_000.0
    /// The most rows a list prints.
    static let maximumListLimit = 100_000

    /// `value` (seconds), if given, must be a finite number above 0 and at most 30 days.
    static func checkTimeout(_ value: Double?, _ name: String) throws {
        guard let value else { return }
        guard value.isFinite, value > 0 else {
            throw ValidationError("\(name) must be a number of seconds above 0 (e.g. 30 or 0.5), not \(value)")
        }
        guard value <= maximumTimeoutSeconds else {
            throw ValidationError("\(name) \(value) is longer than 30 days (\(Int(maximumTimeoutSeconds)) s); leave it out for no timeout")
        }
    }

    /// `value` must be a whole number from `minimum` to `maximum`.
    static func checkCount(_ value: Int?, _ name: String, minimum: Int = 1, maximum: Int) throws {
        guard let value else { return }
        guard value >= minimum, value <= maximum else {
            throw ValidationError("\(name) must be a whole number from \(minimum) to \(maximum), not \(value)")
        }
    }

    /// A checked timeout as a duration.
    static func duration(seconds: Double) -> Duration { .milliseconds(Int64((seconds * 1000).rounded())) }
}
