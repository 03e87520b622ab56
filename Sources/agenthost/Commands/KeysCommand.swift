import AgentHostDirectory
import ArgumentParser
import Foundation

struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Make and list Ed25519 signing keys, for publishers (packages) and directories (indexes).",
        discussion: "Keys live in $AGENTHOST_HOME/keys (default ~/.agenthost/keys): NAME.key, readable only by you, and NAME.pub, its public line.",
        subcommands: [Generate.self, List.self])

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a new key pair and print its public key, one line to share.")

        @Argument(help: "A name for the key, e.g. your name or your directory's.") var name: String

        func run() throws {
            let ring = KeyRing()
            let key = try CLIError.wrapping { () throws(KeyError) in try ring.generate(name: name) }
            print(key.publicKey.line)
            FileHandle.standardError.write(Data("""
                made \(key.publicKey) in \(ring.folder.path)/\(name).key; keep that file private, and share the line above.

                """.utf8))
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show each key's name, id and public line.")

        func run() throws {
            let ring = KeyRing()
            let keys = ring.entries()
            guard !keys.isEmpty else {
                print("No keys in \(ring.folder.path). Make one with `agenthost keys generate NAME`.")
                return
            }
            var damaged = false
            for (name, key) in keys {
                switch key {
                case .success(let key): print("\(name)  \(key.publicKey.id)  \(key.publicKey.line)")
                case .failure(let error):
                    print("\(name)  DAMAGED: \(error)")
                    damaged = true
                }
            }
            if damaged { throw ExitCode.failure }
        }
    }
}

extension CLIError {
    /// Runs `body`, turning its typed error into the CLI's message.
    static func wrapping<T, E: Error & CustomStringConvertible>(_ body: () throws(E) -> T) throws(CLIError) -> T {
        do {
            return try body()
        } catch {
            throw CLIError(error.description)
        }
    }
}
