import Foundation

/// How long to wait before trying a model call again. A provider that says
/// how long (`Retry-After`) is obeyed to the letter, within `retryAfterCap`;
/// otherwise the wait doubles with each attempt from `baseDelay` up to
/// `maximumDelay`, each wait drawn from ±`jitter` of that, so that many
/// hosts turned away at once do not all come back at the same instant.
public struct ModelRetryPolicy: Sendable, Hashable {
    public var baseDelay: Duration
    public var maximumDelay: Duration
    /// The share of a backoff wait drawn at random either way (0.2: 80 % to 120 %).
    public var jitter: Double
    /// The longest `Retry-After` obeyed; a provider asking for more gets this.
    public var retryAfterCap: Duration

    public init(baseDelay: Duration = .milliseconds(500), maximumDelay: Duration = .seconds(20), jitter: Double = 0.2,
                retryAfterCap: Duration = .seconds(60)) {
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
        self.jitter = min(max(jitter, 0), 1)
        self.retryAfterCap = retryAfterCap
    }

    /// The wait before retry number `retry` (0 for the first retry), when the provider named none.
    public func backoff(beforeRetry retry: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let base = baseDelay.seconds * pow(2, Double(min(max(retry, 0), 60)))
        let capped = min(base, maximumDelay.seconds)
        let drawn = jitter > 0 ? capped * Double.random(in: (1 - jitter)...(1 + jitter), using: &generator) : capped
        return Self.duration(seconds: min(drawn, maximumDelay.seconds))
    }

    public func backoff(beforeRetry retry: Int) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return backoff(beforeRetry: retry, using: &generator)
    }

    /// The wait a 429 or 5xx answer asks for, from `retry-after-ms` (OpenAI's,
    /// in milliseconds) or `Retry-After` (RFC 9110: seconds, or an HTTP-date
    /// measured against `now`), capped at `retryAfterCap`; nil when it names
    /// none that can be read. A date in the past asks for no wait.
    public func requestedWait(retryAfter: String?, retryAfterMilliseconds: String? = nil, now: Date = Date()) -> Duration? {
        if let text = retryAfterMilliseconds?.trimmingCharacters(in: .whitespaces), let milliseconds = Double(text),
           milliseconds.isFinite, milliseconds >= 0 {
            return min(Self.duration(seconds: milliseconds / 1000), retryAfterCap)
        }
        guard let text = retryAfter?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        if let seconds = Double(text) {
            guard seconds.isFinite, seconds >= 0 else { return nil }
            return min(Self.duration(seconds: seconds), retryAfterCap)
        }
        guard let date = Self.httpDate(text) else { return nil }
        return min(Self.duration(seconds: max(date.timeIntervalSince(now), 0)), retryAfterCap)
    }

    /// Whole nanoseconds: a wait of "0.15" s is 150 ms exactly, not the binary fraction nearest to it.
    static func duration(seconds: Double) -> Duration {
        .nanoseconds(Int64((min(seconds, 1e9) * 1e9).rounded()))
    }

    /// An HTTP-date in any of the three forms RFC 9110 §5.6.7 says a recipient
    /// must accept: IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the
    /// obsolete RFC 850 form (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime
    /// (`Sun Nov  6 08:49:37 1994`). Read by hand: a DateFormatter costs more
    /// to make than a whole model call should, and is not Sendable.
    static func httpDate(_ text: String) -> Date? {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "-" || $0 == ":" })
        let day: Substring, month: Substring, year: Substring, clock: ArraySlice<Substring>
        if parts.count == 8, parts[7] == "GMT" {
            (day, month, year, clock) = (parts[1], parts[2], parts[3], parts[4...6])
        } else if parts.count == 7 {
            (month, day, clock, year) = (parts[1], parts[2], parts[3...5], parts[6])
        } else {
            return nil
        }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard let monthIndex = months.firstIndex(where: { $0 == month }), var yearNumber = Int(year), let dayNumber = Int(day),
              let hour = Int(clock[clock.startIndex]), let minute = Int(clock[clock.startIndex + 1]),
              let second = Int(clock[clock.startIndex + 2]) else { return nil }
        if year.count == 2 { yearNumber += yearNumber < 70 ? 2000 : 1900 }  // RFC 850's two-digit years
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "GMT")!
        let components = DateComponents(year: yearNumber, month: monthIndex + 1, day: dayNumber, hour: hour, minute: minute, second: second)
        return calendar.date(from: components)
    }
}
