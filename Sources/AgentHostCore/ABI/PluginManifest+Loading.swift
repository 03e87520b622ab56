import Foundation

extension PluginManifest {
    /// The file name a plugin folder must contain.
    public static let fileName = "plugin.json"

    /// The file `library` names: itself when it has an extension or a folder,
    /// else the platform's spelling of a bare library name (`X` is `libX.so`).
    public static func libraryFileName(_ library: String) -> String {
        #if canImport(Darwin)
        library.contains(".") || library.contains("/") ? library : "lib\(library).dylib"
        #else
        library.contains(".") || library.contains("/") ? library : "lib\(library).so"
        #endif
    }

    /// Reads and checks the manifest at `url`. Errors name the field that is
    /// wrong; a manifest that loads here has well-formed ids and tool signatures.
    public static func load(from url: URL) throws(PluginLoadError) -> PluginManifest {
        let location = url.path
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            let missing = !FileManager.default.fileExists(atPath: location)
            throw PluginLoadError(pluginID: nil, location: location,
                                  reason: missing ? .manifestMissing : .manifestUnreadable(error.localizedDescription))
        }
        return try decode(data, location: location)
    }

    /// Reads and checks a manifest's bytes; `location` names them in errors.
    public static func decode(_ data: Data, location: String) throws(PluginLoadError) -> PluginManifest {
        let manifest: PluginManifest
        do {
            manifest = try JSONDecoder().decode(PluginManifest.self, from: data)
        } catch let error as DecodingError {
            throw PluginLoadError(pluginID: nil, location: location, reason: reason(for: error))
        } catch {
            throw PluginLoadError(pluginID: nil, location: location, reason: .manifestInvalidJSON("\(error)"))
        }
        do {
            try manifest.validate()
        } catch {
            throw PluginLoadError(pluginID: manifest.id, location: location, reason: error)
        }
        return manifest
    }

    /// Checks what JSON decoding cannot: identifiers, uniqueness, signatures.
    func validate() throws(PluginLoadError.Reason) {
        guard Self.isIdentifier(id) else {
            throw .manifestInvalidField(field: "id", problem: "'\(id)' must be non-empty lowercase letters, digits, '.', '-' or '_'")
        }
        guard !version.isEmpty else { throw .manifestInvalidField(field: "version", problem: "must not be empty") }
        guard abi.major > 0 else { throw .manifestInvalidField(field: "abi.major", problem: "must be 1 or more") }
        guard !library.isEmpty else { throw .manifestInvalidField(field: "library", problem: "must name the plugin's binary") }
        guard !capabilities.isEmpty else {
            throw .manifestInvalidField(field: "capabilities", problem: "must declare at least one capability")
        }
        var seen = Set<String>()
        for (index, capability) in capabilities.enumerated() {
            guard Self.isIdentifier(capability.name) else {
                throw .manifestInvalidField(field: "capabilities[\(index)].name",
                                            problem: "'\(capability.name)' must be lowercase letters, digits, '.', '-' or '_'")
            }
            guard seen.insert(capability.name).inserted else {
                throw .manifestInvalidField(field: "capabilities[\(index)].name", problem: "'\(capability.name)' is declared twice")
            }
        }
        seen.removeAll()
        for (index, tool) in tools.enumerated() {
            guard !tool.name.isEmpty, seen.insert(tool.name).inserted else {
                throw .manifestInvalidField(field: "tools[\(index)].name", problem: "'\(tool.name)' is empty or declared twice")
            }
            do {
                _ = try ToolSignature(parsing: tool.signature)
            } catch {
                throw .badToolSignature(tool: tool.name, signature: tool.signature, problem: error.problem)
            }
            guard !tool.states.isEmpty else {
                throw .manifestInvalidField(field: "tools[\(index)].states", problem: "must allow the tool in at least one state")
            }
        }
    }

    /// Whether `text` can be a plugin's or a capability's id: lowercase letters, digits, '.', '-' or '_'.
    public static func isIdentifier(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }
    }

    private static func reason(for error: DecodingError) -> PluginLoadError.Reason {
        func path(_ keys: [any CodingKey]) -> String {
            keys.reduce(into: "") { text, key in
                if let index = key.intValue { text += "[\(index)]" } else { text += text.isEmpty ? key.stringValue : ".\(key.stringValue)" }
            }
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context.codingPath)
            return .manifestMissingField(parent.isEmpty ? key.stringValue : "\(parent).\(key.stringValue)")
        case .typeMismatch(let type, let context):
            return .manifestInvalidField(field: path(context.codingPath), problem: "expected \(jsonName(of: type))")
        case .valueNotFound(let type, let context):
            return .manifestInvalidField(field: path(context.codingPath), problem: "is null; expected \(jsonName(of: type))")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                let detail = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
                return .manifestInvalidJSON(detail ?? context.debugDescription)
            }
            return .manifestInvalidField(field: path(context.codingPath), problem: context.debugDescription)
        @unknown default:
            return .manifestInvalidJSON("\(error)")
        }
    }

    private static func jsonName(of type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Double.Type, is UInt32.Type, is Int.Type: "a number"
        case is [Any].Type: "an array"
        default: "an object"
        }
    }
}
