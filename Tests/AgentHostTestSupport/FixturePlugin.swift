import Foundation

/// A variant of `Tests/Fixtures/fixture_plugin.c`, compiled with cc into a real
/// shared library in its own folder, with a manifest written beside it.
public struct FixturePlugin: Sendable {
    public var id = "test.fixture"
    public var version = "1.0.0"
    public var threadSafe = true
    /// Extra `-D` definitions for the compiler (value nil: `-DNAME`).
    public var defines: [String: String?] = [:]
    /// Edits to the manifest before it is written.
    public var editManifest: @Sendable (inout [String: Any]) -> Void = { _ in }
    /// Written instead of the generated manifest, e.g. to test malformed JSON.
    public var rawManifest: String?
    /// Written instead of the compiled library, e.g. to test a file that is not one.
    public var rawBinary: String?
    /// Skip the library altogether.
    public var omitBinary = false
    /// The C source compiled into the library.
    public var source = PackagePaths.fixtureSource
    /// The capabilities and tools the manifest declares (the binary's own, unless a test edits them).
    public var capabilityNames = FixturePlugin.capabilities
    public var toolList = FixturePlugin.tools

    public init(id: String = "test.fixture") { self.id = id }

    /// A fixture whose `fixture.handoff` hands its task to `peer`, declared in its manifest.
    public static func handingOff(id: String, to peer: String) -> FixturePlugin {
        var plugin = FixturePlugin(id: id)
        plugin.defines["FIXTURE_PEER"] = "\"\(peer)\""
        plugin.editManifest = { $0["handoffs"] = [peer] }
        return plugin
    }

    /// `Tests/Fixtures/hostile_plugin.c`: a plugin that crashes, hangs, leaks,
    /// floods and tries to escape, one capability per behaviour.
    public static func hostile(id: String = "test.hostile") -> FixturePlugin {
        var plugin = FixturePlugin(id: id)
        plugin.source = PackagePaths.root.appendingPathComponent("Tests/Fixtures/hostile_plugin.c")
        plugin.threadSafe = false
        plugin.capabilityNames = hostileCapabilities
        plugin.toolList = [("greet", "str(str)", ["PLANNING", "EXECUTING", "VERIFYING", "LEARNING"])]
        plugin.defines["HOSTILE_ID"] = "\"\(id)\""
        return plugin
    }

    public static let hostileCapabilities = ["hostile.echo", "hostile.segv", "hostile.abort", "hostile.exit", "hostile.garbage",
                                             "hostile.spin", "hostile.grow", "hostile.open", "hostile.connect", "hostile.exec",
                                             "hostile.flood", "hostile.callbacks", "hostile.reply", "hostile.command",
                                             "hostile.wire", "hostile.meddle"]

    public static let capabilities = ["fixture.echo", "fixture.overlap", "fixture.callbacks", "fixture.wait_cancel", "fixture.fail",
                                      "fixture.services", "fixture.handoff", "fixture.leak", "fixture.answer", "fixture.sleep",
                                      "fixture.judge", "fixture.remember", "fixture.rendezvous", "fixture.trace"]

    /// The tools the fixture binary declares, as its manifest must list them.
    public static let tools: [(String, String, [String])] = {
        let working = ["PLANNING", "EXECUTING", "VERIFYING", "LEARNING"]
        return [
            ("add", "i64(i64,i64)", working), ("half", "f64(f64)", working), ("shout", "str(str)", working),
            ("is_even", "bool(i64)", working), ("negate", "i32(i32)", working), ("mix", "f64(i32,i64,f64,bool,str)", working),
            ("null_string", "str(str)", working), ("touch", "void()", working), ("planning_only", "i64(i64)", ["PLANNING"]),
        ]
    }()

    public var manifest: [String: Any] {
        var manifest: [String: Any] = [
            "id": id, "name": "Fixture", "version": version, "description": "A plugin for the host's tests.",
            "abi": ["major": 1, "minor": 0], "library": "libfixture.so", "thread_safe": threadSafe, "toolchain": "c11",
            // Free text reaches every fixture capability as {"text": ...}.
            "capabilities": capabilityNames.map { ["name": $0, "description": "Fixture capability \($0).", "text_input": "text"] },
            "tools": toolList.map { ["name": $0.0, "signature": $0.1, "states": $0.2, "description": $0.0] },
            "handoffs": ["test.allowed"],
        ]
        editManifest(&manifest)
        return manifest
    }

    /// Builds the plugin into `parent/folder` and returns that folder.
    @discardableResult
    public func install(in parent: URL, folder: String? = nil) throws -> URL {
        let destination = parent.appendingPathComponent(folder ?? id)
        try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: true)
        let manifestText = try rawManifest
            ?? String(decoding: JSONSerialization.data(withJSONObject: manifest, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self)
        try Data(manifestText.utf8).write(to: destination.appendingPathComponent("plugin.json"))
        let library = destination.appendingPathComponent("libfixture.so")
        if let rawBinary {
            try Data(rawBinary.utf8).write(to: library)
        } else if !omitBinary {
            try compile(to: library)
        }
        return destination
    }

    private func compile(to library: URL) throws {
        var arguments = ["-std=c11", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC", "-I", PackagePaths.sdkInclude.path]
        let defaults: [String: String?] = ["FIXTURE_ID": "\"\(id)\"", "FIXTURE_THREAD_SAFE": threadSafe ? "1" : "0"]
        for (name, value) in defaults.merging(defines, uniquingKeysWith: { _, chosen in chosen }).sorted(by: { $0.key < $1.key }) {
            arguments.append(value.map { "-D\(name)=\($0)" } ?? "-D\(name)")
        }
        arguments += ["-o", library.path, source.path]
        let result = try Command.run(ProcessInfo.processInfo.environment["CC"] ?? "cc", arguments)
        guard result.status == 0 else { throw FixtureError("cc failed (\(result.status)): \(result.stderr)") }
    }
}

extension FixturePlugin {
    /// `text` as a C string literal, for a `-D` definition.
    public static func cString(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}

/// JSON text for test payloads and answers.
public enum TestJSON {
    /// `text` as a JSON string.
    public static func quoted(_ text: String) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: text, options: [.fragmentsAllowed]), as: UTF8.self)
    }
}

public struct FixtureError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
