#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CAgentHost

/// C entry points for string tools. A C function pointer cannot carry a Swift
/// closure, so the kit keeps a fixed number of non-capturing trampolines per
/// shape, each reading its closure from a slot filled once at `init`.
enum StringToolSlots {
    enum Function {
        case toString(@Sendable (String) -> String)
        case toBool(@Sendable (String) -> Bool)
        case toInt(@Sendable (String) -> Int64)
    }

    static let capacity = 8

    // Written only during init (the ABI runs it alone), read by tool calls afterwards.
    nonisolated(unsafe) private static var toString = [(@Sendable (String) -> String)?](repeating: nil, count: capacity)
    nonisolated(unsafe) private static var toBool = [(@Sendable (String) -> Bool)?](repeating: nil, count: capacity)
    nonisolated(unsafe) private static var toInt = [(@Sendable (String) -> Int64)?](repeating: nil, count: capacity)
    nonisolated(unsafe) private static var used = (toString: 0, toBool: 0, toInt: 0)

    /// Gives `function` the next free trampoline of its shape.
    static func bind(_ function: Function, name: String) throws -> ah_tool_fn {
        func full(_ shape: String) -> AgentError {
            AgentError.failed("tool '\(name)': at most \(capacity) \(shape) tools per plugin")
        }
        switch function {
        case .toString(let body):
            guard used.toString < capacity else { throw full("str(str)") }
            defer { used.toString += 1 }
            toString[used.toString] = body
            return unsafeBitCast(stringToString[used.toString], to: ah_tool_fn.self)
        case .toBool(let body):
            guard used.toBool < capacity else { throw full("bool(str)") }
            defer { used.toBool += 1 }
            toBool[used.toBool] = body
            return unsafeBitCast(stringToBool[used.toBool], to: ah_tool_fn.self)
        case .toInt(let body):
            guard used.toInt < capacity else { throw full("i64(str)") }
            defer { used.toInt += 1 }
            toInt[used.toInt] = body
            return unsafeBitCast(stringToInt[used.toInt], to: ah_tool_fn.self)
        }
    }

    static func reset() {
        toString = .init(repeating: nil, count: capacity)
        toBool = .init(repeating: nil, count: capacity)
        toInt = .init(repeating: nil, count: capacity)
        used = (0, 0, 0)
    }

    /// Frees a string a `str` tool returned (the ABI's `release_string`).
    static let releaseString: @convention(c) (UnsafeMutablePointer<CChar>?) -> Void = { free($0) }

    private static func callToString(_ slot: Int, _ argument: UnsafePointer<CChar>?) -> UnsafeMutablePointer<CChar>? {
        guard let argument, let body = toString[slot] else { return nil }
        return strdup(body(String(cString: argument)))
    }

    private static func callToBool(_ slot: Int, _ argument: UnsafePointer<CChar>?) -> Bool {
        guard let argument, let body = toBool[slot] else { return false }
        return body(String(cString: argument))
    }

    private static func callToInt(_ slot: Int, _ argument: UnsafePointer<CChar>?) -> Int64 {
        guard let argument, let body = toInt[slot] else { return 0 }
        return body(String(cString: argument))
    }

    typealias StringToString = @convention(c) (UnsafePointer<CChar>?) -> UnsafeMutablePointer<CChar>?
    typealias StringToBool = @convention(c) (UnsafePointer<CChar>?) -> Bool
    typealias StringToInt = @convention(c) (UnsafePointer<CChar>?) -> Int64

    private static let stringToString: [StringToString] = [
        { callToString(0, $0) }, { callToString(1, $0) }, { callToString(2, $0) }, { callToString(3, $0) },
        { callToString(4, $0) }, { callToString(5, $0) }, { callToString(6, $0) }, { callToString(7, $0) },
    ]
    private static let stringToBool: [StringToBool] = [
        { callToBool(0, $0) }, { callToBool(1, $0) }, { callToBool(2, $0) }, { callToBool(3, $0) },
        { callToBool(4, $0) }, { callToBool(5, $0) }, { callToBool(6, $0) }, { callToBool(7, $0) },
    ]
    private static let stringToInt: [StringToInt] = [
        { callToInt(0, $0) }, { callToInt(1, $0) }, { callToInt(2, $0) }, { callToInt(3, $0) },
        { callToInt(4, $0) }, { callToInt(5, $0) }, { callToInt(6, $0) }, { callToInt(7, $0) },
    ]
}
