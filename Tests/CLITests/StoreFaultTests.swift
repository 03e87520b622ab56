import AgentHostCore
import AgentHostTestSupport
import Foundation
import Testing

/// The task store under faults, through the real CLI: many first opens at
/// once, files that are not stores, a damaged file, a read-only mount and a
/// full disk (both in a private mount namespace).
@Suite final class StoreFaultTests {
    let cli: CLIHome

    init() throws { cli = try CLIHome(fixtures: [FixturePlugin(id: "test.worker")]) }

    var home: TemporaryFolder { cli.home }
    var plugins: TemporaryFolder { cli.plugins }

    func agenthost(_ arguments: [String], state: String) throws -> Command.Result {
        try Command.agenthost(arguments + ["--plugin-dir", plugins.url.path, "--state", state], home: home.url)
    }

    /// Whether this machine lets a test make a mount namespace of its own (as root, or with user namespaces).
    static let hasPrivateMounts: Bool = (try? Command.run("unshare", ["-rm", "true"]).status) == 0

    /// Runs `script` with sh in a private mount namespace; `$AGENTHOST` is the built CLI.
    func isolated(_ script: String) throws -> Command.Result {
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = home.url.path
        environment["AGENTHOST"] = PackagePaths.agenthostExecutable.path
        environment["PLUGINS"] = plugins.url.path
        environment.removeValue(forKey: "AGENTHOST_HOME")
        return try Command.run("unshare", ["-rm", "sh", "-c", "set -u\n" + script], environment: environment)
    }

    @Test func manyProcessesOpeningANewStoreAtOnceAllSucceed() throws {
        let state = home.url.appendingPathComponent("new.sqlite").path
        let results = ConcurrentResults()
        let arguments = ["run", "fixture.echo", "--input", #"{"n": 1}"#, "--plugin-dir", plugins.url.path, "--state", state], folder = home.url
        DispatchQueue.concurrentPerform(iterations: 40) { _ in
            results.append(Result { try Command.agenthost(arguments, home: folder) })
        }
        let outcomes = try results.values.map { try $0.get() }
        let failures = outcomes.filter { $0.status != 0 }.map(\.stderr)
        #expect(failures.isEmpty, "\(failures.count) of \(outcomes.count) failed: \(failures.prefix(3))")
        let store = try TaskStore(path: state, access: .readOnly)
        #expect(try store.tasks(status: .completed, limit: 100).count == 40)
        #expect(try store.integrityProblems().isEmpty)
    }

    @Test func aFileThatIsNotAStoreIsRefusedWithoutEchoingItAndIsLeftAsItWas() throws {
        let text = home.url.appendingPathComponent("notes.txt")
        try Data("my notes, not a database\n".utf8).write(to: text)
        let binary = home.url.appendingPathComponent("blob.bin")
        let noise = Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) })
        try noise.write(to: binary)
        for (file, before) in [(text.path, try Data(contentsOf: text)), (binary.path, noise)] {
            for arguments in [["run", "fixture.echo"], ["tasks", "list"], ["runs", "list"]] {
                let result = try agenthost(arguments, state: file)
                #expect(result.status != 0)
                #expect(result.stderr.contains("'\(file)' is not a SQLite database"), "\(result.stderr)")
                #expect(!result.stderr.contains("my notes"), "its bytes are not echoed")
            }
            #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == before, "the file is untouched")
        }
        let folder = home.url.appendingPathComponent("a-folder")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let refused = try agenthost(["run", "fixture.echo"], state: folder.path)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("is a folder, not a database file; pass --state with a file path"), "\(refused.stderr)")
    }

    @Test func aDamagedStoreIsReportedWithHowToRecoverAndIsNotWrittenAgain() throws {
        let state = home.url.appendingPathComponent("state.sqlite").path
        let padding = String(repeating: "p", count: 3000)
        for index in 1...30 {
            #expect(try agenthost(["run", "fixture.echo", "--input", #"{"i": \#(index), "pad": "\#(padding)"}"#], state: state).status == 0)
        }
        // Damage every page after the second (the last host checkpointed the log into the file).
        let size = try #require(try FileManager.default.attributesOfItem(atPath: state)[.size] as? Int)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: state))
        try handle.seek(toOffset: 4096 * 2)
        handle.write(Data(repeating: 0xA5, count: size - 4096 * 2))
        try handle.close()

        let listed = try agenthost(["tasks", "list", "--limit", "100"], state: state)
        #expect(listed.status != 0)
        #expect(listed.stderr.contains("is damaged (SQLite: database disk image is malformed)"), "\(listed.stderr)")
        #expect(listed.stderr.contains("agenthost store check --state \(state)"), "\(listed.stderr)")
        #expect(listed.stderr.contains(".recover"), "\(listed.stderr)")
        #expect(TaskStore.isMarkedMalformed(state))

        let refused = try agenthost(["run", "fixture.echo"], state: state)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("The host will not write to it any more"), "\(refused.stderr)")
        let check = try agenthost(["store", "check"], state: state)
        #expect(check.status != 0)
        #expect(check.stderr.contains("is damaged"), "\(check.stderr)")
    }

    @Test(.enabled(if: StoreFaultTests.hasPrivateMounts, "needs a private mount namespace (unshare -rm)"))
    func aReadOnlyStoreCanBeReadAndRefusesWorkByName() throws {
        let folder = home.url.appendingPathComponent("ro")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let state = folder.appendingPathComponent("state.sqlite").path
        #expect(try agenthost(["run", "fixture.echo", "--input", #"{"kept": true}"#], state: state).status == 0)
        let result = try isolated("""
            mount --bind '\(folder.path)' '\(folder.path)' && mount -o remount,bind,ro '\(folder.path)' || exit 99
            "$AGENTHOST" tasks list --state '\(state)'; echo "list=$?"
            "$AGENTHOST" stats --state '\(state)' >/dev/null; echo "stats=$?"
            "$AGENTHOST" run fixture.echo --plugin-dir "$PLUGINS" --state '\(state)'; echo "run=$?"
            """)
        #expect(result.stdout.contains("1      completed   fixture.echo"), "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("list=0") && result.stdout.contains("stats=0"), "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("run=1"), "\(result.stdout)")
        #expect(result.stderr.contains("the file or its folder is read-only"), "\(result.stderr)")
    }

    @Test(.enabled(if: StoreFaultTests.hasPrivateMounts, "needs a private mount namespace (unshare -rm)"))
    func aFullDiskFailsTheLastWriteLoudlyAndNothingStaysInProgress() throws {
        let disk = home.url.appendingPathComponent("disk")
        let workspace = home.url.appendingPathComponent("workspace")
        for folder in [disk, workspace] { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        let state = disk.appendingPathComponent("state.sqlite").path
        // The task itself is small and is stored; its answer (300 KB of output) does not fit in the 48 KB left.
        let result = try isolated("""
            mount -t tmpfs -o size=1m tmpfs '\(disk.path)' || exit 99
            "$AGENTHOST" run fixture.echo --plugin-dir "$PLUGINS" --state '\(state)' >/dev/null || exit 98
            free=$(df -k '\(disk.path)' | tail -1 | awk '{print $4}')
            dd if=/dev/zero of='\(disk.path)/filler' bs=1k count=$((free - 48)) 2>/dev/null
            "$AGENTHOST" run code.run --workspace '\(workspace.path)' --state '\(state)' \
                --input '{"command": ["python3", "-c", "print(\\"x\\" * 300000)"]}' >/dev/null
            echo "run=$?"
            rm '\(disk.path)/filler'
            "$AGENTHOST" tasks list --state '\(state)'
            "$AGENTHOST" tasks show 2 --state '\(state)'
            """)
        #expect(result.stdout.contains("run=1"), "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("could not write how task 2 ended (attempt 1 of 3)"), "\(result.stderr)")
        #expect(result.stderr.contains("the disk is full"), "\(result.stderr)")
        #expect(result.stdout.contains("2      interrupted code.run"), "\(result.stdout)")
        #expect(result.stdout.contains("how task 2 ended could not be written: the disk was full"), "\(result.stdout)")
        #expect(result.stdout.contains("1      completed   fixture.echo"), "what was stored before is intact: \(result.stdout)")
    }
}
