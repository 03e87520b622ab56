import AgentHostCore
import ArgumentParser
import Foundation

struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Look after the task database: check it, and see the hosts that own its work.",
        subcommands: [Check.self, Hosts.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the whole file with SQLite's integrity_check; a damaged store says how to recover it.",
            discussion: "A store that an earlier command found damaged is not written to again until this check passes.")
        @OptionGroup var host: HostOptions

        func run() throws {
            guard let store = try host.openStoreForReading() else {
                throw CLIError("there is no task store at \(host.storePath) yet; the first `agenthost run` creates it")
            }
            let problems = try catching { try store.integrityProblems() }
            guard problems.isEmpty else {
                for problem in problems { print("  \(problem)") }
                throw CLIError("the task store '\(store.path)' is damaged (\(problems.count) problem(s) above). Recover what can be read with "
                               + "`sqlite3 \(ShellWord.quote(store.path)) .recover | sqlite3 \(ShellWord.quote(store.path + ".recovered"))` "
                               + "and use the new file with --state")
            }
            print("\(store.path): ok (integrity_check found no problem)")
            if TaskStore.isMarkedMalformed(store.path) {
                do {
                    try TaskStore.clearMalformedMark(store.path)
                    print("it had been marked damaged by an earlier error; hosts write to it again")
                } catch {
                    throw CLIError("the store is sound, but its damage mark could not be removed (\(error.localizedDescription)); "
                                   + "remove \(store.path)-malformed by hand")
                }
            }
        }
    }

    struct Hosts: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the host processes that opened the store to run work, newest first.")
        @OptionGroup var host: HostOptions
        @Option(parsing: .unconditional, help: "How many hosts to list.") var limit = 20

        func validate() throws { try Limits.checkCount(limit, "--limit", maximum: Limits.maximumListLimit) }

        func run() throws {
            guard let store = try host.openStoreForReading() else {
                print("No hosts: there is no task store at \(host.storePath) yet.")
                return
            }
            for owner in try catching({ try store.hosts(limit: limit) }) {
                let state = owner.endedUs != nil ? (owner.endReason ?? "ended") : owner.deathReason().map { "dead: \($0)" } ?? "alive"
                print("\(owner.describe()): \(state)")
            }
        }
    }
}
