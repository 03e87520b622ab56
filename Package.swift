// swift-tools-version:6.1
import PackageDescription

/// Everything a plugin needs at build time is the C ABI (`CAgentHost`) and, for
/// Swift authors, `AgentPluginKit`; the host is `AgentHostCore` plus two thin
/// executables. Each bundled plugin is a dynamic library product whose
/// `plugin.json` is copied into the build folder as a resource, so the build
/// folder alone is a complete, discoverable set of bundled plugins.
let package = Package(
    name: "AgentHost",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "agenthost", targets: ["agenthost"]),
        .executable(name: "agenthost-bench", targets: ["agenthost-bench"]),
        .executable(name: "agenthost-plugin-host", targets: ["agenthost-plugin-host"]),
        .library(name: "AgentHostCore", targets: ["AgentHostCore"]),
        .library(name: "AgentPluginKit", targets: ["AgentPluginKit"]),
        .library(name: "KnowledgeAgent", type: .dynamic, targets: ["KnowledgeAgent"]),
        .library(name: "PlannerAgent", type: .dynamic, targets: ["PlannerAgent"]),
        .library(name: "BrowserAgent", type: .dynamic, targets: ["BrowserAgent"]),
        .library(name: "CodeAgent", type: .dynamic, targets: ["CodeAgent"]),
        .library(name: "TestAgent", type: .dynamic, targets: ["TestAgent"]),
        .library(name: "ReviewAgent", type: .dynamic, targets: ["ReviewAgent"]),
        .library(name: "DebugAgent", type: .dynamic, targets: ["DebugAgent"]),
        .library(name: "AssistantAgent", type: .dynamic, targets: ["AssistantAgent"]),
        .library(name: "EchoAgentC", type: .dynamic, targets: ["EchoAgentC"]),
        .library(name: "EchoAgentSwift", type: .dynamic, targets: ["EchoAgentSwift"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        // The plugin directory: Ed25519 and SHA-256, the package archive, semantic versions, and its HTTP server.
        .package(url: "https://github.com/apple/swift-crypto", from: "4.0.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/mxcl/Version", from: "2.2.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),   // Hummingbird's own; named to read its IOError
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),   // Hummingbird's own; `serve` drains in its group
        // Observability: the APIs in the core (no backend, next to no cost), the Prometheus backend in the server.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.1.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),   // Hummingbird's own; a header by name
        // OTLP over HTTP only: its gRPC exporter would build gRPC and HTTP/2 for nothing.
        .package(url: "https://github.com/swift-otel/swift-otel", from: "1.6.0", traits: ["OTLPHTTP"]),
        // The model providers' HTTP client: pooled keep-alive connections on NIO's shared event loops.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // The SDK: the C ABI, and the Swift kit on top of it.
        .target(name: "CAgentHost", path: "sdk", sources: ["src"], publicHeadersPath: "include"),
        .target(name: "AgentPluginKitEntry", dependencies: ["CAgentHost"], path: "sdk/swift/AgentPluginKitEntry"),
        .target(name: "AgentToolchain", path: "sdk/swift/AgentToolchain"),
        // JSON as bytes without Foundation (a validating scanner, a parser, a writer): the host and
        // Swift plugins compile the same code, so both ends of agenthost.h read and write it alike.
        .target(name: "AgentJSON", path: "sdk/swift/AgentJSON"),
        .target(name: "AgentPluginKit", dependencies: ["CAgentHost", "AgentPluginKitEntry", "AgentToolchain", "AgentJSON"],
                path: "sdk/swift/AgentPluginKit"),

        // The host.
        .systemLibrary(name: "CFFI", path: "Sources/CFFI", pkgConfig: "libffi",
                       providers: [.apt(["libffi-dev"]), .brew(["libffi"])]),
        // libedit for the chat's line editing and history; only the CLI links it, the core stays lean.
        .systemLibrary(name: "CEditLine", path: "Sources/CEditLine", pkgConfig: "libedit",
                       providers: [.apt(["libedit-dev"]), .brew(["libedit"])]),
        // The wire between the host and an isolated plugin's child process, in C
        // because the child is C: a small confined loader with no runtime of its own.
        .target(name: "AgentHostChannel", path: "Sources/AgentHostChannel",
                cSettings: [.unsafeFlags(["-Wall", "-Wextra", "-Werror"])]),
        .executableTarget(name: "agenthost-plugin-host", dependencies: ["CAgentHost", "AgentHostChannel"],
                          path: "Sources/agenthost-plugin-host",
                          cSettings: [.unsafeFlags(["-Wall", "-Wextra", "-Werror"])],
                          linkerSettings: [.linkedLibrary("ffi"), .linkedLibrary("dl"), .linkedLibrary("pthread")]),
        // Runs each program of the run_command service so that it cannot outlive its step (or its host).
        .executableTarget(name: "agenthost-command-guard", path: "Sources/agenthost-command-guard",
                          cSettings: [.unsafeFlags(["-Wall", "-Wextra", "-Werror"])]),
        .target(name: "AgentHostCore", dependencies: [
            "CAgentHost", "CFFI", "AgentToolchain", "AgentJSON", "AgentHostChannel", .product(name: "Logging", package: "swift-log"),
            .product(name: "CoreMetrics", package: "swift-metrics"), .product(name: "Tracing", package: "swift-distributed-tracing"),
            .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Yams", package: "Yams"),
        ]),
        // Packages, keys, signed indexes and installs: its own target, so the core never links crypto or zip.
        .target(name: "AgentHostDirectory", dependencies: [
            "AgentHostCore", "AgentToolchain", "CAgentHost", .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "ZIPFoundation", package: "ZIPFoundation"), .product(name: "Version", package: "Version"),
        ]),
        // What `agenthost` serves over HTTP (`serve`'s API, the directory and its marketplace page); the only target with Hummingbird.
        .target(name: "AgentHostServer", dependencies: [
            "AgentHostDirectory", .product(name: "Hummingbird", package: "hummingbird"), .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Prometheus", package: "swift-prometheus"), .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Tracing", package: "swift-distributed-tracing"), .product(name: "HTTPTypes", package: "swift-http-types"),
        ]),
        // The model service's HTTP calls (OpenAI's Chat Completions, Anthropic's Messages): its own
        // target, so the core never links an HTTP client; the host hands it to the core as a ModelProvider.
        .target(name: "AgentHostModels", dependencies: [
            "AgentHostCore", .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        // Spans exported over OTLP/HTTP (swift-otel): its own target, so only the CLI links the exporter.
        .target(name: "AgentHostTelemetry", dependencies: [
            "AgentHostCore", .product(name: "OTel", package: "swift-otel"), .product(name: "Tracing", package: "swift-distributed-tracing"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .executableTarget(name: "agenthost", dependencies: [
            "AgentHostCore", "AgentHostDirectory", "AgentHostServer", "AgentHostModels", "AgentHostTelemetry", "CEditLine",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "agenthost-bench", dependencies: ["AgentHostCore", "AgentHostDirectory", "AgentHostModels", "AgentHostTestSupport",
                                                                  "AgentHostServer", "AgentHostTelemetry", .product(name: "Logging", package: "swift-log"),
                                                                  "CAgentHost", "HeapProbe"]),
        // libFuzzer targets of the host's readers; `Fuzz/run` builds them with -sanitize=fuzzer.
        .target(name: "AgentHostFuzzDriver", path: "Sources/AgentHostFuzzDriver",
                cSettings: [.unsafeFlags(["-Wall", "-Wextra", "-Werror"])]),
        .executableTarget(name: "agenthost-fuzz", dependencies: ["AgentHostCore", "AgentHostDirectory", "AgentHostFuzzDriver"]),
        .target(name: "HeapProbe", path: "Benchmarks/HeapProbe"),

        // Bundled plugins.
        .target(name: "KnowledgeAgent", dependencies: ["CAgentHost"], path: "Plugins/Knowledge",
                exclude: ["plugin.json"], resources: [.copy("plugin.json")], publicHeadersPath: ".",
                cSettings: [.unsafeFlags(["-Wall", "-Wextra", "-Werror"])],
                linkerSettings: [.linkedLibrary("m")]),
        .target(name: "PlannerAgent", dependencies: ["AgentPluginKit"], path: "Plugins/Planner",
                exclude: ["plugin.json"], resources: [.copy("plugin.json")]),
        // Text formats several bundled agents read (unified diffs, source
        // locations); linked into each, so every plugin stays one file.
        .target(name: "AgentSupport", path: "Plugins/Support"),
        .target(name: "BrowserAgent", dependencies: ["AgentPluginKit", "AgentSupport"], path: "Plugins/Browser",
                exclude: ["plugin.json"], resources: [.copy("plugin.json")]),
        .target(name: "CodeAgent", dependencies: ["AgentPluginKit", "AgentSupport"], path: "Plugins/Code",
                exclude: ["plugin.json"], resources: [.copy("plugin.json")]),
        .target(name: "TestAgent", dependencies: ["AgentPluginKit", "AgentSupport"], path: "Plugins/Test",
                exclude: ["plugin.json"], resources: [.copy("plugin.json")]),
        .target(name: "ReviewAgent", dependencies: ["AgentPluginKit", "AgentSupport"], path: "Plugins/Review",
                exclude: ["plugin.json"], resources: [.copy("plugin.json")]),
        .target(name: "DebugAgent", dependencies: ["AgentPluginKit", "AgentSupport"], path: "Plugins/Debug",
                exclude: ["plugin.json"], resources: [.copy("plugin.json")]),
        .target(name: "AssistantAgent", dependencies: ["AgentPluginKit", "AgentJSON"], path: "Plugins/Assistant",
                exclude: ["plugin.json"], resources: [.copy("plugin.json")]),

        // Minimal agents that answer at once, so the benchmark measures the
        // host and the SDK rather than an agent's own work. Not bundled: their
        // manifests stay in the source tree.
        .target(name: "EchoAgentC", dependencies: ["CAgentHost"], path: "Benchmarks/EchoAgentC",
                exclude: ["plugin.json"], publicHeadersPath: ".",
                cSettings: [.unsafeFlags(["-Wall", "-Wextra", "-Werror"])]),
        .target(name: "EchoAgentSwift", dependencies: ["AgentPluginKit"], path: "Benchmarks/EchoAgentSwift",
                exclude: ["plugin.json"]),

        // Tests: one target per concern, sharing a small support library.
        .target(name: "AgentHostTestSupport", dependencies: ["AgentHostCore"], path: "Tests/AgentHostTestSupport"),
        .testTarget(name: "ABITests", dependencies: ["AgentHostCore", "AgentHostTestSupport"]),
        .testTarget(name: "RegistryTests", dependencies: ["AgentHostCore", "AgentHostTestSupport"]),
        .testTarget(name: "BundledPluginTests", dependencies: ["AgentHostCore", "AgentHostTestSupport"]),
        .testTarget(name: "RoutingTests", dependencies: ["AgentHostCore", "AgentHostTestSupport"]),
        .testTarget(name: "PolicyTests", dependencies: ["AgentHostCore", "AgentHostTestSupport"]),
        .testTarget(name: "RuntimeTests", dependencies: ["AgentHostCore", "AgentHostTestSupport"]),
        .testTarget(name: "OrchestrationTests", dependencies: ["AgentHostCore", "AgentHostTestSupport"]),
        .testTarget(name: "ConversationTests", dependencies: ["AgentHostCore", "AgentHostTestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["AgentHostTestSupport"]),
        .testTarget(name: "IsolationTests", dependencies: ["AgentHostCore", "AgentHostTestSupport"]),
        .testTarget(name: "ModelTests", dependencies: ["AgentHostModels", "AgentHostTestSupport"]),
        .testTarget(name: "DirectoryTests", dependencies: [
            "AgentHostDirectory", "AgentHostTestSupport", .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ]),
    ],
    cLanguageStandard: .c11
)
