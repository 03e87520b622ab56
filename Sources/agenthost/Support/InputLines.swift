import AgentHostCore
import Foundation

/// The lines of stdin as bytes, so a line that is not UTF-8 can be refused
/// with its position instead of being read with U+FFFD in it.
struct InputLines {
    private var buffer: [UInt8] = []
    private var ended = false
    /// The number of the line last returned, counted from 1.
    private(set) var number = 0

    /// The next line without its newline, or nil at the end of input.
    mutating func next() -> [UInt8]? {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                number += 1
                return line
            }
            if ended {
                guard !buffer.isEmpty else { return nil }
                defer { buffer.removeAll() }
                number += 1
                return buffer
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let got = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if got < 0, errno == EINTR { continue }
            if got <= 0 { ended = true } else { buffer += chunk[..<got] }
        }
    }
}
