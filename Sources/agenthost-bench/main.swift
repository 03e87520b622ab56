import AgentHostCore
import CAgentHost
import Foundation

/// agenthost-bench: prints one JSON line per measurement. Build with
/// `swift build -c release` and run `.build/release/agenthost-bench`.
///
///   --quick        fewer iterations (a smoke run, not numbers to quote)
///   --directory-only  only the plugin directory: search over 10,000 plugins, a 5 MB install
///   --models-only  only the model service: the host's cost per model call against a loopback server
///   --observability-only  only tracing and metrics per step (no exporter, then exported) and serve's HTTP round trip
///   --load-probe   internal: load the plugins once, print the milliseconds

let arguments = CommandLine.arguments
let quick = arguments.contains("--quick")
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let buildFolder = PluginSearchPath.bundledFolderOfRunningExecutable()!
let echoFolders = ["Benchmarks/EchoAgentC", "Benchmarks/EchoAgentSwift"].map { packageRoot.appendingPathComponent($0) }
let searchPath = PluginSearchPath(
    folders: [.init(url: buildFolder, origin: .bundled)] + echoFolders.map { .init(url: $0, origin: .commandLine) },
    bundledFolder: buildFolder)

/// The echo plugins live outside the build folder; trusted here, they run
/// in-process, which is what the in-process figures measure.
let benchPolicy: Policy = {
    var policy = Policy.standard
    var trusted = PluginPolicy()
    trusted.trusted = true
    for id in ["agenthost.bench.echo-c", "agenthost.bench.echo-swift"] { policy.plugins[id] = trusted }
    return policy
}()

func emit(_ fields: [(String, Any)]) {
    let body = fields.map { key, value -> String in
        switch value {
        case let text as String: return "\"\(key)\":\"\(text)\""
        case let number as Double: return "\"\(key)\":\(String(format: "%.1f", number))"
        default: return "\"\(key)\":\(value)"
        }
    }
    FileHandle.standardOutput.write(Data("{\(body.joined(separator: ","))}\n".utf8))
}

func report(_ m: Measurement, target: Double?) {
    var fields: [(String, Any)] = [("bench", m.name), ("median_ns", m.median), ("p50_sample_ns", m.percentile(0.5)),
                                   ("p99_sample_ns", m.percentile(0.99)), ("samples", m.samples.count)]
    if let target { fields += [("target_ns", target), ("meets_target", m.median <= target)] }
    emit(fields)
}

if arguments.contains("--models-only") {
    benchModels(searchPath: searchPath, quick: quick)
    exit(0)
}

if arguments.contains("--observability-only") {
    benchObservability(buildFolder: buildFolder, packageRoot: packageRoot, quick: quick)
    exit(0)
}

if arguments.contains("--directory-only") {
    benchDirectory(packageRoot: packageRoot, buildFolder: buildFolder, quick: quick)
    exit(0)
}

// MARK: - Load

if arguments.contains("--load-probe") {
    let start = now()
    let registry = PluginRegistry(searchPath: searchPath, policy: benchPolicy)
    let elapsed = Double(now() - start) / 1e6
    print("\(elapsed) \(registry.plugins.count) \(registry.failures.count)")
    exit(0)
}

do {
    var perPlugin: [Double] = [], totals: [Double] = [], count = 0
    for _ in 0..<(quick ? 3 : 15) {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        probe.arguments = ["--load-probe"]
        let pipe = Pipe()
        probe.standardOutput = pipe
        try probe.run()
        probe.waitUntilExit()
        let words = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(whereSeparator: \.isWhitespace)
        guard words.count == 3, let ms = Double(words[0]), let loaded = Int(words[1]), loaded >= 4, words[2] == "0" else {
            fail("the load probe did not load every plugin; build every product first: swift build -c release")
        }
        totals.append(ms)
        perPlugin.append(ms / Double(loaded))
        count = loaded
    }
    perPlugin.sort()
    totals.sort()
    if !perPlugin.isEmpty {
        emit([("bench", "load_plugins_cold"), ("plugins", count), ("median_total_ms", totals[totals.count / 2]),
              ("median_per_plugin_ms", perPlugin[perPlugin.count / 2]), ("runs", perPlugin.count),
              ("target_per_plugin_ms", 5.0), ("meets_target", perPlugin[perPlugin.count / 2] <= 5)])
    }
} catch {
    FileHandle.standardError.write(Data("load probe failed: \(error)\n".utf8))
}

/// Stops the benchmark with `message`: numbers for calls that failed would be lies.
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("agenthost-bench: \(message)\n".utf8))
    exit(1)
}

/// Runs `body`, which must succeed every time it is measured.
@inline(__always)
func must<T>(_ body: () throws -> T) -> T {
    do { return try body() } catch { fail("a measured call failed: \(error)") }
}

let host = AgentHost(searchPath: searchPath, policy: benchPolicy)
let required = ["agenthost.knowledge", "agenthost.planner", "agenthost.bench.echo-c", "agenthost.bench.echo-swift"]
let missing = required.filter { host.registry.plugin(id: $0) == nil }
if !missing.isEmpty {
    host.registry.failures.forEach { FileHandle.standardError.write(Data("refused: \($0)\n".utf8)) }
    fail("\(missing.joined(separator: ", ")) did not load; build every product first: swift build -c release")
}
let warmStart = now()
_ = PluginRegistry(searchPath: searchPath, policy: benchPolicy)
emit([("bench", "load_plugins_warm"), ("plugins", host.registry.plugins.count),
      ("total_ms", Double(now() - warmStart) / 1e6), ("note", "manifests re-read, images already in the process")])

// MARK: - Agent round trips through the public API

let samples = quick ? 20_000 : 200_000
let batch = quick ? 20_000 : 200_000
let payload = Array(#"{"task":"echo","text":"a small request payload of about sixty bytes"}"#.utf8)
nonisolated(unsafe) var sink = 0

report(measure("agent_call_c", samples: samples, batchSize: batch) {
    sink &+= must { try host.call("bench.echo_c", payload: payload) }.body.count
}, target: 1000)

report(measure("agent_call_swift", samples: samples, batchSize: batch) {
    sink &+= must { try host.call("bench.echo_swift", payload: payload) }.body.count
}, target: 2000)

// MARK: - The runtime core: route, state check and tool mask, guardrails, call

// `host.call` routes on the capability (a dictionary read), checks the agent
// state, screens the input and the output with the guardrails (default policy:
// size limits, secret scan) and calls the agent; tool masks are arrays built at
// load, so showing the agent its tools for a state is one array read.
let echoPlugin = host.registry.plugin(id: "agenthost.bench.echo-c")!
report(measure("route_mask_guardrails_call_c", samples: samples, batchSize: batch) {
    sink &+= echoPlugin.tools(visibleIn: .executing).count
    sink &+= must { try host.call("bench.echo_c", payload: payload) }.body.count
}, target: 2000)

// The same with every built-in scan on: secrets, personal data and a deny pattern.
var strictPolicy = benchPolicy
strictPolicy.global.input.personalData = .redact
strictPolicy.global.output.personalData = .redact
strictPolicy.global.input.deny = [must { try DenyPattern("(?i)drop\\s+table") }]
let strictHost = AgentHost(registry: host.registry, policy: strictPolicy)
report(measure("route_mask_strict_guardrails_call_c", samples: samples / 4, batchSize: batch / 4) {
    sink &+= must { try strictHost.call("bench.echo_c", payload: payload) }.body.count
}, target: nil)

// With the store: every task is written in_progress before the agent is
// called and completed before `run` returns (two commits per task, WAL,
// synchronous=NORMAL).
let storeFolder = FileManager.default.temporaryDirectory.appendingPathComponent("agenthost-bench-store-\(getpid())")
defer { try? FileManager.default.removeItem(at: storeFolder) }
let store = must { try TaskStore(path: storeFolder.appendingPathComponent("state.sqlite").path) }
let runtime = AgentRuntime(host: host, store: store)
let taskRequest = TaskRequest(.capability("bench.echo_c"), payload: payload)
func tasksPerSecond(_ count: Int) -> Double {
    let start = now()
    for _ in 0..<count {
        let outcome = must { try runtime.run(taskRequest) }
        if outcome.status != .completed { fail("a stored task did not complete: \(String(describing: outcome.error))") }
    }
    return Double(count) / (Double(now() - start) / 1e9)
}
_ = tasksPerSecond(quick ? 1_000 : 5_000)
var sequentialRates: [Double] = []
for _ in 0..<(quick ? 1 : 5) { sequentialRates.append(tasksPerSecond(quick ? 4_000 : 40_000)) }
sequentialRates.sort()
emit([("bench", "tasks_with_store_one_by_one"), ("median_tasks_per_s", sequentialRates[sequentialRates.count / 2]),
      ("runs", sequentialRates.count), ("writes_per_task", 2),
      ("note", "each run() commits twice; for information, the target is on the batch")])

// The same tasks through run(batch:): pending in one transaction, then per
// chunk of 256 one transaction to start them and one to finish them.
let batchRequests = [TaskRequest](repeating: taskRequest, count: quick ? 4_000 : 40_000)
var batchRates: [Double] = []
for _ in 0..<(quick ? 1 : 5) {
    let start = now()
    let outcomes = must { try runtime.run(batch: batchRequests) }
    if let failed = outcomes.first(where: { $0.status != .completed }) { fail("a batched task did not complete: \(String(describing: failed.error))") }
    batchRates.append(Double(outcomes.count) / (Double(now() - start) / 1e9))
}
batchRates.sort()
emit([("bench", "tasks_with_store_batched"), ("median_tasks_per_s", batchRates[batchRates.count / 2]), ("runs", batchRates.count),
      ("target_tasks_per_s", 20_000.0), ("meets_target", batchRates[batchRates.count / 2] >= 20_000)])

// What ownership costs: the heartbeat a host writes every second (its row and its leases' expiry).
report(measure("store_heartbeat_write", samples: quick ? 200 : 2_000, batchSize: 1) {
    must { try store.beatOnce() }
}, target: nil)
emit([("bench", "store_heartbeat_share_of_one_core"), ("interval_s", 1),
      ("note", "one heartbeat write every second: its median above divided by 1e9 ns")])

// MARK: - Isolated plugins

if !arguments.contains("--orchestration-only") { benchIsolation(searchPath: searchPath, quick: quick) }
if arguments.contains("--isolation-only") { exit(0) }

// MARK: - Orchestration

benchOrchestration(runtime: runtime, quick: quick)
if arguments.contains("--orchestration-only") { exit(0) }
benchDirectory(packageRoot: packageRoot, buildFolder: buildFolder, quick: quick)

// MARK: - Typed tools through libffi, and the floor

let add = must { try host.tool("add", of: "agenthost.bench.echo-c") }
let toolArguments: [ToolValue] = [.i64(20), .i64(22)]
report(measure("typed_tool_call_ffi", samples: samples, batchSize: batch * 5) {
    if case .i64(let value) = must({ try add.call(toolArguments, in: .executing) }) { sink &+= Int(value) }
}, target: 150)

// The same function, reached through the ABI's own tables and called directly.
let image = dlopen(buildFolder.appendingPathComponent("libEchoAgentC.so").path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE)!
let entry = dlsym(image, AGENTHOST_ENTRY_SYMBOL)!.assumingMemoryBound(to: ah_plugin_entry.self)
let tools = entry.pointee.get_interface!(AH_INTERFACE_TOOLS)!.assumingMemoryBound(to: ah_tools.self)
typealias AddFunction = @convention(c) (Int64, Int64) -> Int64
let direct = unsafeBitCast(tools.pointee.get!(0)!.pointee.function, to: AddFunction.self)
var operand: Int64 = 20
report(measure("direct_c_function_pointer", samples: samples, batchSize: batch * 5) {
    sink &+= Int(direct(operand, 22))
    operand &+= 1
}, target: nil)

// The raw ABI round trip without the host: request struct, call, release.
let agent = entry.pointee.get_interface!(AH_INTERFACE_AGENT)!.assumingMemoryBound(to: ah_agent.self).pointee
report(measure("raw_abi_call_c", samples: samples, batchSize: batch) {
    payload.withUnsafeBufferPointer { bytes in
        var request = ah_request()
        request.struct_size = UInt32(MemoryLayout<ah_request>.size)
        request.call_id = 1
        request.payload = ah_str(data: UnsafeRawPointer(bytes.baseAddress!).assumingMemoryBound(to: CChar.self), len: bytes.count)
        var response = ah_response()
        guard agent.call!(&request, &response) == AH_OK else { fail("the raw ABI call failed") }
        sink &+= response.body.len
        agent.release!(&response)
    }
}, target: nil)

// MARK: - The real agents, for scale (their own work included)

let corpus = FileManager.default.temporaryDirectory.appendingPathComponent("agenthost-bench-corpus")
must { try FileManager.default.createDirectory(at: corpus, withIntermediateDirectories: true) }
for (name, text) in [("a.md", "BM25 ranks passages by term frequency.\n\nPlugins load with dlopen.\n"),
                     ("b.txt", "Handoffs move tasks between agents.\n")] {
    must { try Data(text.utf8).write(to: corpus.appendingPathComponent(name)) }
}
// The corpus is the Knowledge agent's workspace ($WORKSPACE in its manifest's paths).
var corpusPolicy = benchPolicy
corpusPolicy.workspace = corpus.path
let corpusHost = AgentHost(registry: host.registry, policy: corpusPolicy)
let searchPayload = Array(#"{"query":"bm25 passages","root":".","top_k":2}"#.utf8)
// Each call lists the folder and finds every file unchanged: the incremental index's steady state.
report(measure("knowledge_search_3_passages", samples: quick ? 2_000 : 20_000, batchSize: quick ? 2_000 : 20_000) {
    sink &+= must { try corpusHost.call("knowledge.search", payload: searchPayload) }.body.count
}, target: nil)

let planPayload = Array(#"{"goal":"Research BM25, then write the loader"}"#.utf8)
report(measure("planner_plan_2_steps", samples: quick ? 2_000 : 20_000, batchSize: quick ? 2_000 : 20_000) {
    sink &+= must { try host.call("planner.plan", payload: planPayload) }.body.count
}, target: nil)

FileHandle.standardError.write(Data("checksum \(sink)\n".utf8))

// Last: it bootstraps Prometheus and an OTLP exporter for the rest of the process.
benchObservability(buildFolder: buildFolder, packageRoot: packageRoot, quick: quick)
