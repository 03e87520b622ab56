import AgentHostCore
import AgentHostTestSupport
import Foundation
import Testing

/// Each way a plugin can be wrong is refused with a typed reason and a message
/// that names the plugin, the problem and the fix.
@Suite struct LoaderRefusalTests {
    @Test func aWellFormedFixtureLoadsAndAnswers() throws {
        let (registry, folder) = try load(FixturePlugin())
        defer { folder.remove() }
        #expect(registry.failures.isEmpty)
        let response = try AgentHost(registry: registry).call("fixture.echo", json: #"{"a":1}"#)
        #expect(response.text == #"{"a":1}"#)
    }

    @Test func wrongABIMajorIsRefused() throws {
        var fixture = FixturePlugin(id: "test.major")
        fixture.defines["FIXTURE_ABI_MAJOR"] = "2"
        let error = try #require(try refusal(of: fixture))
        #expect(error.reason == .abiMajorMismatch(plugin: 2, host: 1))
        #expect(error.description.contains("test.major"))
        #expect(error.description.contains("Rebuild the plugin against"))
    }

    @Test func newerABIMinorIsRefused() throws {
        var fixture = FixturePlugin(id: "test.minor")
        fixture.defines["FIXTURE_ABI_MINOR"] = "7"
        let error = try #require(try refusal(of: fixture))
        #expect(error.reason == .abiMinorTooNew(plugin: 7, host: 0))
    }

    @Test func entryStructSmallerThanV1IsRefused() throws {
        var fixture = FixturePlugin(id: "test.small")
        fixture.defines["FIXTURE_ENTRY_SIZE"] = "8"
        #expect(try refusal(of: fixture)?.reason == .entryTooSmall(8))
    }

    @Test func missingEntrySymbolIsRefused() throws {
        var fixture = FixturePlugin(id: "test.noentry")
        fixture.defines["FIXTURE_NO_ENTRY"] = .some(nil)
        let error = try #require(try refusal(of: fixture))
        #expect(error.reason == .missingEntrySymbol)
        #expect(error.fix.contains("AGENTHOST_PLUGIN_ENTRY"))
    }

    @Test func manifestThatDisagreesWithTheBinaryIsRefused() throws {
        var version = FixturePlugin(id: "test.version")
        version.editManifest = { $0["version"] = "2.0.0" }
        #expect(try refusal(of: version)?.reason == .descriptorMismatch(field: "version", manifest: "2.0.0", binary: "1.0.0"))

        var capabilities = FixturePlugin(id: "test.capabilities")
        capabilities.editManifest = { $0["capabilities"] = [["name": "fixture.echo", "description": "only one"]] }
        guard case .descriptorMismatch(let field, _, _)? = try refusal(of: capabilities)?.reason else {
            Issue.record("expected a capabilities mismatch"); return
        }
        #expect(field == "capabilities")

        var tools = FixturePlugin(id: "test.tools")
        tools.editManifest = { manifest in
            var list = manifest["tools"] as! [[String: Any]]
            list[0]["signature"] = "i32(i32,i32)"
            manifest["tools"] = list
        }
        guard case .descriptorMismatch(let toolField, _, _)? = try refusal(of: tools)?.reason else {
            Issue.record("expected a tools mismatch"); return
        }
        #expect(toolField == "tools")

        var threads = FixturePlugin(id: "test.threads")
        threads.editManifest = { $0["thread_safe"] = false }
        #expect(try refusal(of: threads)?.reason == .descriptorMismatch(field: "thread_safe", manifest: "false", binary: "true"))

        var id = FixturePlugin(id: "test.manifestid")
        id.defines["FIXTURE_ID"] = "\"test.binaryid\""
        #expect(try refusal(of: id)?.reason == .descriptorMismatch(field: "id", manifest: "test.manifestid", binary: "test.binaryid"))
    }

    @Test func manifestThatIsNotJSONIsRefused() throws {
        var fixture = FixturePlugin(id: "test.badjson")
        fixture.rawManifest = #"{"id": "test.badjson", "name": }"#
        let error = try #require(try refusal(of: fixture))
        guard case .manifestInvalidJSON = error.reason else { Issue.record("got \(error.reason)"); return }
        #expect(error.description.contains("plugin.json"))
    }

    @Test func manifestMissingAFieldIsRefused() throws {
        var fixture = FixturePlugin(id: "test.nofield")
        fixture.editManifest = { $0.removeValue(forKey: "capabilities") }
        #expect(try refusal(of: fixture)?.reason == .manifestMissingField("capabilities"))

        var nested = FixturePlugin(id: "test.nested")
        nested.editManifest = { $0["capabilities"] = [["name": "fixture.echo"]] }
        #expect(try refusal(of: nested)?.reason == .manifestMissingField("capabilities[0].description"))
    }

    @Test func manifestWithAFieldOfTheWrongKindIsRefused() throws {
        var type = FixturePlugin(id: "test.type")
        type.editManifest = { $0["version"] = 3 }
        #expect(try refusal(of: type)?.reason == .manifestInvalidField(field: "version", problem: "expected a string"))

        var state = FixturePlugin(id: "test.state")
        state.editManifest = { manifest in
            var list = manifest["tools"] as! [[String: Any]]
            list[0]["states"] = ["SLEEPING"]
            manifest["tools"] = list
        }
        guard case .manifestInvalidField(let field, let problem)? = try refusal(of: state)?.reason else {
            Issue.record("expected an invalid field"); return
        }
        #expect(field == "tools[0].states")
        #expect(problem.contains("SLEEPING") && problem.contains("EXECUTING"))

        var id = FixturePlugin(id: "test.id")
        id.editManifest = { $0["id"] = "Has Spaces" }
        guard case .manifestInvalidField("id", _)? = try refusal(of: id)?.reason else { Issue.record("expected an id error"); return }
    }

    @Test(arguments: [
        (JSONValueBox.string("nme"), "names 'nme', which is not a property of the input (it has count, name)"),
        (JSONValueBox.bool(true), "is a field name of the input, or false"),
        (JSONValueBox.string("count"), "names 'count', whose type (integer) is not a string"),
    ])
    func aTextInputThatNamesNoStringFieldIsRefused(value: JSONValueBox, expected: String) throws {
        var fixture = FixturePlugin(id: "test.words")
        fixture.editManifest = { manifest in
            var capabilities = manifest["capabilities"] as! [[String: Any]]
            capabilities[0]["input"] = ["type": "object", "properties": ["name": ["type": "string"], "count": ["type": "integer"]]]
            capabilities[0]["text_input"] = value.json
            manifest["capabilities"] = capabilities
        }
        guard case .manifestInvalidField(let field, let problem)? = try refusal(of: fixture)?.reason else {
            Issue.record("expected an invalid field"); return
        }
        #expect(field == "capabilities[0].text_input")
        #expect(problem.contains(expected), "\(problem)")
    }

    @Test func missingBinaryIsRefusedNamingWhereItLooked() throws {
        var fixture = FixturePlugin(id: "test.nobinary")
        fixture.omitBinary = true
        guard case .binaryMissing(let searched)? = try refusal(of: fixture)?.reason else { Issue.record("expected binaryMissing"); return }
        #expect(searched.contains { $0.hasSuffix("libfixture.so") })
    }

    @Test func fileThatIsNotASharedLibraryIsRefused() throws {
        var fixture = FixturePlugin(id: "test.notelf")
        fixture.rawBinary = "this is a text file, not an ELF shared object\n"
        guard case .notASharedLibrary(let why)? = try refusal(of: fixture)?.reason else { Issue.record("expected notASharedLibrary"); return }
        #expect(!why.isEmpty)
    }

    @Test func initThatFailsIsRefusedWithThePluginsMessage() throws {
        var fixture = FixturePlugin(id: "test.initfails")
        fixture.defines["FIXTURE_INIT_FAILS"] = .some(nil)
        let error = try #require(try refusal(of: fixture))
        guard case .initFailed(let status, let message) = error.reason else { Issue.record("got \(error.reason)"); return }
        #expect(status == AgentStatus.unavailable.rawValue)
        #expect(message.contains("fixture.conf"))
    }

    @Test func twoPluginsWithTheSameIDLoadTheFirstAndRefuseTheSecond() throws {
        let (registry, folder) = try load(FixturePlugin(id: "test.twin"), FixturePlugin(id: "test.twin"))
        defer { folder.remove() }
        #expect(registry.plugins.count == 1)
        guard case .duplicateID(let existing)? = registry.failures.first?.reason else { Issue.record("expected duplicateID"); return }
        #expect(existing == registry.plugins[0].manifestURL.path)
    }

    @Test func malformedToolSignatureInTheManifestIsRefusedBeforeAnyCodeRuns() throws {
        // The binary's init would fail if it ran; the manifest check refuses first.
        var fixture = FixturePlugin(id: "test.sigmanifest")
        fixture.defines["FIXTURE_INIT_FAILS"] = .some(nil)
        fixture.editManifest = { manifest in
            var list = manifest["tools"] as! [[String: Any]]
            list[0]["signature"] = "i64(i64, i64)"
            manifest["tools"] = list
        }
        guard case .badToolSignature(let tool, let signature, let problem)? = try refusal(of: fixture)?.reason else {
            Issue.record("expected badToolSignature"); return
        }
        #expect(tool == "add" && signature == "i64(i64, i64)")
        #expect(problem.contains("no spaces"))
    }

    @Test func unsupportedToolSignatureInTheBinaryIsRefused() throws {
        var fixture = FixturePlugin(id: "test.sigbinary")
        // The manifest lists only the good tools; the binary's extra one is refused by its signature.
        fixture.defines["FIXTURE_BAD_SIGNATURE"] = .some(nil)
        guard case .badToolSignature(let tool, _, let problem)? = try refusal(of: fixture)?.reason else {
            Issue.record("expected badToolSignature"); return
        }
        #expect(tool == "broken")
        #expect(problem.contains("i128"))
    }

    @Test func swiftPluginFromAnotherToolchainIsRefused() throws {
        var fixture = FixturePlugin(id: "test.toolchain")
        fixture.defines["FIXTURE_TOOLCHAIN"] = "\"swift-5.9\""
        guard case .toolchainMismatch(let plugin, _)? = try refusal(of: fixture)?.reason else { Issue.record("expected toolchainMismatch"); return }
        #expect(plugin == "swift-5.9")
    }

    @Test func structsSmallerThanTheirFirstReleaseAreRefused() throws {
        for (knob, name) in [("HOSTILE_AGENT_SIZE", "ah_agent"), ("HOSTILE_DESCRIPTOR_SIZE", "ah_agent_descriptor"),
                             ("HOSTILE_TOOLS_SIZE", "ah_tools")] {
            var fixture = FixturePlugin.hostile(id: "test.small-\(name.replacingOccurrences(of: "_", with: "-"))")
            fixture.defines[knob] = "4"
            let error = try #require(try refusal(of: fixture))
            guard case .structTooSmall(let struct_, 4, _) = error.reason else { Issue.record("expected structTooSmall, got \(error)"); continue }
            #expect(struct_ == name)
            #expect(error.fix.contains("struct_size"))
        }
    }

    @Test func aStringToolWithoutReleaseStringIsRefused() throws {
        var fixture = FixturePlugin.hostile(id: "test.no-release")
        fixture.defines["HOSTILE_NO_RELEASE_STRING"] = .some(nil)
        #expect(try refusal(of: fixture)?.reason == .missingReleaseString(tool: "greet"))
    }

    @Test func aCToolchainThatDisagreesWithTheManifestIsRefused() throws {
        var fixture = FixturePlugin(id: "test.c-toolchain")
        fixture.defines["FIXTURE_TOOLCHAIN"] = "\"c99\""
        #expect(try refusal(of: fixture)?.reason == .descriptorMismatch(field: "toolchain", manifest: "c11", binary: "c99"))
    }

    @Test func brokenPluginsDoNotStopTheOthers() throws {
        var major = FixturePlugin(id: "test.broken-major")
        major.defines["FIXTURE_ABI_MAJOR"] = "9"
        var json = FixturePlugin(id: "test.broken-json")
        json.rawManifest = "not json"
        var initFails = FixturePlugin(id: "test.broken-init")
        initFails.defines["FIXTURE_INIT_FAILS"] = .some(nil)
        let (registry, folder) = try load(major, json, FixturePlugin(id: "test.good"), initFails)
        defer { folder.remove() }
        #expect(registry.plugins.map(\.id) == ["test.good"])
        #expect(registry.failures.count == 3)
        let response = try AgentHost(registry: registry).call("fixture.echo", json: "{}")
        #expect(response.agent == "test.good")
    }

    @Test func aRefusedPluginCanLoadOnceFixed() throws {
        let folder = try TemporaryFolder("fixed")
        defer { folder.remove() }
        var fixture = FixturePlugin(id: "test.fixable")
        fixture.editManifest = { $0["version"] = "9.9.9" }
        try fixture.install(in: folder.url)
        let inProcess = policy(["test.fixable"], isolation: .inProcess)
        #expect(PluginRegistry(searchPath: PackagePaths.searchPath(folder.url), policy: inProcess).plugins.isEmpty)
        // Same binary, corrected manifest: the image that was refused was not kept.
        fixture.editManifest = { _ in }
        let manifest = try JSONSerialization.data(withJSONObject: fixture.manifest)
        try manifest.write(to: folder.url.appendingPathComponent("test.fixable/plugin.json"))
        #expect(PluginRegistry(searchPath: PackagePaths.searchPath(folder.url), policy: inProcess).plugins.map(\.id) == ["test.fixable"])
    }
}

/// A manifest value for a parameterized test (test arguments must be Sendable).
enum JSONValueBox: Sendable, CustomStringConvertible {
    case string(String), bool(Bool)
    var json: Any { switch self { case .string(let text): text; case .bool(let flag): flag } }
    var description: String { "\(json)" }
}
