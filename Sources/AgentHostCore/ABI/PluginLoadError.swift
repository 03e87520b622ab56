/// Why a plugin was refused. Every case names the problem and says how to fix
/// it; the loader refuses one plugin and goes on with the others.
public struct PluginLoadError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Error, Sendable, Equatable {
        case manifestMissing
        case manifestUnreadable(String)
        case manifestInvalidJSON(String)
        case manifestMissingField(String)
        case manifestInvalidField(field: String, problem: String)
        case badToolSignature(tool: String, signature: String, problem: String)
        case binaryMissing(searched: [String])
        case notASharedLibrary(String)
        case missingEntrySymbol
        case entryTooSmall(UInt32)
        case abiMajorMismatch(plugin: UInt32, host: UInt32)
        case abiMinorTooNew(plugin: UInt32, host: UInt32)
        case initFailed(status: Int32, message: String)
        case missingInterface(String)
        case descriptorMismatch(field: String, manifest: String, binary: String)
        case toolchainMismatch(plugin: String, host: String)
        case duplicateID(existing: String)
        case structTooSmall(name: String, size: UInt32, minimum: UInt32)
        case missingReleaseString(tool: String)
        /// The child process that runs the plugin isolated could not start or confine itself.
        case isolationFailed(String)
        /// The plugin's process died, hung or broke the channel while loading.
        case loadFault(String)
        /// A role file names what its agent needs, and that is missing.
        case roleUnavailable(String)
    }

    /// The plugin's id, once known (it is not when the manifest is unreadable).
    public let pluginID: String?
    /// The manifest (or folder) the problem was found in.
    public let location: String
    public let reason: Reason

    public init(pluginID: String?, location: String, reason: Reason) {
        self.pluginID = pluginID
        self.location = location
        self.reason = reason
    }

    public var description: String {
        let who = pluginID.map { "plugin '\($0)' (\(location))" } ?? "plugin at \(location)"
        return "\(who): \(problem). \(fix)"
    }

    /// What is wrong, in one clause.
    public var problem: String {
        switch reason {
        case .manifestMissing: "no \(PluginManifest.fileName) found"
        case .manifestUnreadable(let why): "\(PluginManifest.fileName) cannot be read: \(why)"
        case .manifestInvalidJSON(let why): "\(PluginManifest.fileName) is not valid JSON: \(why)"
        case .manifestMissingField(let field): "\(PluginManifest.fileName) lacks the required field '\(field)'"
        case .manifestInvalidField(let field, let why): "\(PluginManifest.fileName) field '\(field)' \(why)"
        case .badToolSignature(let tool, let signature, let why): "tool '\(tool)' has an unusable signature '\(signature)': \(why)"
        case .binaryMissing(let searched): "its binary was not found (looked for \(searched.joined(separator: ", ")))"
        case .notASharedLibrary(let why): "its binary cannot be loaded as a shared library: \(why)"
        case .missingEntrySymbol: "its binary does not export the symbol 'agenthost_plugin_entry'"
        case .entryTooSmall(let size): "its entry struct is \(size) bytes, smaller than any released version"
        case .abiMajorMismatch(let plugin, let host): "it was built for ABI major \(plugin), this host speaks ABI major \(host)"
        case .abiMinorTooNew(let plugin, let host): "it needs ABI 1.\(plugin), newer than this host's 1.\(host)"
        case .initFailed(let status, let message): "its init failed with status \(status): \(message.isEmpty ? "no message" : message)"
        case .missingInterface(let id): "it does not offer the required interface '\(id)'"
        case .descriptorMismatch(let field, let manifest, let binary):
            "the binary disagrees with \(PluginManifest.fileName) on \(field): manifest says \(manifest), binary says \(binary)"
        case .toolchainMismatch(let plugin, let host): "it was built with \(plugin) but this host was built with \(host)"
        case .duplicateID(let existing): "its id is already taken by the plugin at \(existing)"
        case .structTooSmall(let name, let size, let minimum): "its \(name) struct_size is \(size), smaller than the \(minimum) bytes of ABI 1.0"
        case .missingReleaseString(let tool): "tool '\(tool)' returns a string but its tool table has no release_string"
        case .isolationFailed(let why): "its isolated process could not be set up: \(why)"
        case .loadFault(let why): "loading it failed: \(why)"
        case .roleUnavailable(let why): "its role agent cannot run: \(why)"
        }
    }

    /// What to do about it.
    public var fix: String {
        switch reason {
        case .manifestMissing: "Put a \(PluginManifest.fileName) beside the binary (see sdk/examples/hello-c)."
        case .manifestUnreadable: "Check the file's permissions."
        case .manifestInvalidJSON: "Fix the JSON syntax; `agenthost plugins check FOLDER` re-checks it."
        case .manifestMissingField, .manifestInvalidField: "Correct the field in \(PluginManifest.fileName); every key is described in sdk/MANIFEST.md."
        case .badToolSignature: "Spell the signature with the grammar in agenthost.h, e.g. i64(i64,i64) or str(str)."
        case .binaryMissing: "Build the plugin, or make the manifest's 'library' name the file beside it."
        case .notASharedLibrary: "Rebuild it as a shared library (cc -shared -fPIC) for this platform."
        case .missingEntrySymbol: "Define AGENTHOST_PLUGIN_ENTRY in the plugin and build with default symbol visibility."
        case .entryTooSmall: "Set struct_size to sizeof(ah_plugin_entry)."
        case .abiMajorMismatch, .abiMinorTooNew: "Rebuild the plugin against this host's sdk/include/agenthost/agenthost.h, or upgrade the host."
        case .initFailed: "Fix what the plugin's message names, then run `agenthost plugins check` on it."
        case .missingInterface: "Return the interface table from get_interface."
        case .descriptorMismatch: "Rebuild the plugin, or update \(PluginManifest.fileName) to match it."
        case .toolchainMismatch: "Rebuild the Swift plugin with the host's Swift toolchain, or run it out of process."
        case .duplicateID: "Remove one of the two, or give one another id."
        case .structTooSmall: "Set struct_size to sizeof the struct (ah_agent, ah_agent_descriptor, ah_tools, ah_tool) from agenthost.h."
        case .missingReleaseString: "Set release_string in the ah_tools table, so the host can hand back the strings the tool returns."
        case .isolationFailed: "Check that agenthost-plugin-host sits beside agenthost, or run the plugin in-process (policy: isolation: in-process)."
        case .loadFault: "Run `agenthost plugins check` on it and read its log (--log-level debug); its init must return, not exit or crash."
        case .roleUnavailable: "Role agents run on the bundled Assistant (agenthost.assistant): keep it loaded, in this process."
        }
    }
}
