import AgentHostCore
import Foundation

/// JSON a person gives the CLI, checked before it is stored or sent.
enum JSONInput {
    /// `bytes` must be UTF-8 and one JSON object; the error says where and what it is instead.
    static func checkObject(_ bytes: [UInt8], source: String) throws {
        do {
            _ = try TextInput.decode(bytes, kind: "the input")
        } catch {
            throw CLIError("\(source) \(error.problem)")
        }
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        } catch {
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
            throw CLIError("\(source) is not valid JSON: \(detail)")
        }
        guard value is [String: Any] else {
            throw CLIError("\(source) must be a JSON object ({\"key\": value, ...}), not \(kind(of: value)); e.g. {\"query\": \"bm25\"}")
        }
    }

    /// A JSON value's kind in plain words.
    static func kind(of value: Any) -> String {
        switch value {
        case is String: "a string"
        case is [Any]: "an array"
        case is NSNull: "null"
        case let number as NSNumber where String(cString: number.objCType) == "c": "true or false"
        case is NSNumber: "a number"
        default: "a \(type(of: value))"
        }
    }
}
