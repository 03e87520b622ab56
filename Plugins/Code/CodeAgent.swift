import AgentPluginKit
import AgentSupport
import Foundation

/// The Code agent: file operations, patches, commands and new packages, all
/// inside the host's workspace and through the host's services (which
/// refuse a path outside it, links included).
struct CodeAgent: AgentPlugin {
    static let descriptor = AgentDescriptor(id: "agenthost.code", name: "Code", version: "0.1.0",
                                            capabilities: ["code.files", "code.apply_patch", "code.run", "code.scaffold"], threadSafe: true)

    init(host: PluginHost) {}

    func handle(_ request: AgentRequest) throws -> AgentReply {
        switch request.capability {
        case "code.files": return try files(request)
        case "code.apply_patch": return try .encoding(applyPatch(request))
        case "code.run": return try .encoding(run(request))
        case "code.scaffold": return try .encoding(scaffold(request))
        default: throw AgentError.unsupported("the code agent has no capability '\(request.capability)'")
        }
    }

    // MARK: - code.files

    struct FilesInput: Decodable {
        var op: String
        var path: String?
        var content: String?
        var to: String?
        var recursive: Bool?
        var aroundLine: Int?
        var contextLines: Int?

        enum CodingKeys: String, CodingKey {
            case op, path, content, to, recursive
            case aroundLine = "around_line"
            case contextLines = "context_lines"
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            op = try c.decode(String.self, forKey: .op)
            path = try c.decodeIfPresent(String.self, forKey: .path)
            content = try c.decodeIfPresent(String.self, forKey: .content)
            to = try c.decodeIfPresent(String.self, forKey: .to)
            recursive = try c.decodeIfPresent(Bool.self, forKey: .recursive)
            // Handoff contexts carry numbers as strings.
            aroundLine = try (try? c.decodeIfPresent(Int.self, forKey: .aroundLine)) ?? c.decodeIfPresent(String.self, forKey: .aroundLine).flatMap { Int($0) }
            contextLines = try (try? c.decodeIfPresent(Int.self, forKey: .contextLines)) ?? c.decodeIfPresent(String.self, forKey: .contextLines).flatMap { Int($0) }
        }
    }

    struct Excerpt: Encodable {
        var path: String
        var firstLine: Int
        var lines: [String]
        var totalLines: Int

        enum CodingKeys: String, CodingKey {
            case path, lines
            case firstLine = "first_line"
            case totalLines = "total_lines"
        }
    }

    private func files(_ request: AgentRequest) throws -> AgentReply {
        let input = try request.decode(FilesInput.self)
        func path() throws -> String {
            guard let path = input.path, !path.isEmpty else { throw AgentError.invalidArgument("code.files \(input.op) needs a \"path\"") }
            return path
        }
        switch input.op {
        case "read":
            let target = try path()
            let text = String(decoding: try request.readFile(target), as: UTF8.self)
            guard let line = input.aroundLine else { return try .encoding(["path": target, "content": text]) }
            let lines = PatchApplier.lines(of: text)
            let context = max(0, input.contextLines ?? 5)
            guard line >= 1, line <= max(lines.count, 1) else {
                throw AgentError.invalidArgument("code.files read: \(target) has \(lines.count) lines; line \(line) is outside it")
            }
            let first = max(1, line - context), last = min(lines.count, line + context)
            return try .encoding(Excerpt(path: target, firstLine: first, lines: Array(lines[(first - 1)..<max(first - 1, last)]), totalLines: lines.count))
        case "write":
            guard let content = input.content else { throw AgentError.invalidArgument("code.files write needs \"content\"") }
            let target = try path()
            try request.writeFile(target, Array(content.utf8))
            return try .encoding(["path": target, "status": "written", "bytes": String(content.utf8.count)])
        case "list":
            let listing = try request.listFiles(input.path ?? ".", recursive: input.recursive ?? false)
            struct Entry: Encodable { var path: String; var kind: String; var size: Int64 }
            struct Listing: Encodable { var root: String; var entries: [Entry]; var truncated: Bool }
            return try .encoding(Listing(root: listing.root, entries: listing.entries.map { Entry(path: $0.path, kind: $0.kind, size: $0.size) },
                                         truncated: listing.truncated))
        case "delete":
            let target = try path()
            try request.removeFile(target)
            return try .encoding(["path": target, "status": "deleted"])
        case "move":
            let source = try path()
            guard let destination = input.to, !destination.isEmpty else { throw AgentError.invalidArgument("code.files move needs \"to\"") }
            let bytes = try request.readFile(source)
            try request.writeFile(destination, bytes)
            try request.removeFile(source)
            return try .encoding(["path": destination, "from": source, "status": "moved"])
        default:
            throw AgentError.invalidArgument("code.files: unknown op '\(input.op)'; use read, write, list, delete or move")
        }
    }

    // MARK: - code.apply_patch

    struct PatchInput: Decodable {
        var patch: String
        /// Report what would happen without writing.
        var dryRun: Bool?
        /// A folder inside the workspace the patch's paths are relative to.
        var root: String?

        enum CodingKeys: String, CodingKey {
            case patch, root
            case dryRun = "dry_run"
        }
    }

    struct PatchOutcome: Encodable {
        var applied: Bool
        var dryRun: Bool
        var files: [[String: String]]
        var hunks: [PatchApplier.HunkReport]

        enum CodingKeys: String, CodingKey {
            case applied, files, hunks
            case dryRun = "dry_run"
        }
    }

    private func applyPatch(_ request: AgentRequest) throws -> PatchOutcome {
        let input = try request.decode(PatchInput.self)
        let diff: UnifiedDiff
        do {
            diff = try UnifiedDiff(parsing: input.patch)
        } catch {
            throw AgentError.invalidArgument("code.apply_patch: \(error)")
        }
        guard !diff.files.isEmpty else { throw AgentError.invalidArgument("code.apply_patch: the patch changes no file; pass a unified diff") }
        func inRoot(_ path: String) -> String { input.root.map { $0 + "/" + path } ?? path }
        let applier = PatchApplier()
        var results: [PatchApplier.FileResult] = []
        var reports: [PatchApplier.HunkReport] = []
        var originals: [String: [UInt8]] = [:]
        for file in diff.files {
            let source = inRoot(file.oldPath ?? file.path)
            var original: String?
            if !file.isNew {
                do {
                    let bytes = try request.readFile(source)
                    originals[source] = bytes
                    original = String(decoding: bytes, as: UTF8.self)
                } catch let error as AgentError where error.isNotFound {
                    original = nil
                }
            } else if (try? request.readFile(inRoot(file.path))) != nil {
                original = ""   // exists already: the applier reports the clash
            }
            let (result, fileReports) = applier.apply(file, to: original)
            reports += fileReports
            if let result { results.append(result) }
        }
        let conflicts = reports.filter { $0.status == "conflict" }
        let files = results.map { ["path": $0.path, "status": $0.status] }
        if input.dryRun == true { return PatchOutcome(applied: conflicts.isEmpty, dryRun: true, files: files, hunks: reports) }
        guard conflicts.isEmpty else {
            let lines = conflicts.map { "  \($0.file) hunk \($0.hunk) \($0.header): \($0.reason ?? "conflict")" }
            throw AgentError.invalidArgument("code.apply_patch: \(conflicts.count) of \(reports.count) hunk(s) do not apply; no file was changed:\n"
                                             + lines.joined(separator: "\n"))
        }
        // Every hunk fits: write, and put back what was written if a later write fails.
        var written: [String] = []
        do {
            for result in results {
                let target = inRoot(result.path)
                if let contents = result.contents {
                    try request.writeFile(target, Array(contents.utf8))
                    written.append(target)
                    if result.status == "renamed", let old = result.oldPath { try request.removeFile(inRoot(old)) }
                } else {
                    try request.removeFile(target)
                    written.append(target)
                }
            }
        } catch {
            for path in written {
                if let bytes = originals[path] { try? request.writeFile(path, bytes) } else { try? request.removeFile(path) }
            }
            throw AgentError.failed("code.apply_patch: writing failed (\(error)); the files written before it were restored")
        }
        return PatchOutcome(applied: true, dryRun: false, files: files, hunks: reports)
    }

    // MARK: - code.run

    struct RunInput: Decodable {
        var command: CommandWords
        var cwd: String?
        var timeoutMilliseconds: Int?
        var stdin: String?
        /// Fail the call when the program exits non-zero (default true).
        var check: Bool?

        enum CodingKeys: String, CodingKey {
            case command, cwd, stdin, check
            case timeoutMilliseconds = "timeout_ms"
        }
    }

    struct RunOutcome: Encodable {
        var command: [String]
        var exitCode: Int32
        var stdout: String
        var stderr: String
        var durationMilliseconds: Double

        enum CodingKeys: String, CodingKey {
            case command, stdout, stderr
            case exitCode = "exit_code"
            case durationMilliseconds = "duration_ms"
        }
    }

    private func run(_ request: AgentRequest) throws -> RunOutcome {
        let input = try request.decode(RunInput.self)
        let command = input.command.argv
        guard !command.isEmpty else { throw AgentError.invalidArgument("code.run needs a \"command\", e.g. [\"make\"]") }
        let shown = command.joined(separator: " ")
        request.reportProgress(nil, "running \(shown)")
        let result = try request.run(.init(command, cwd: input.cwd, stdin: input.stdin, timeoutMilliseconds: input.timeoutMilliseconds))
        if result.timedOut { throw AgentError.deadline("code.run: '\(shown)' was stopped after its time limit") }
        if input.check ?? true, result.exitCode != 0 {
            let tail = (result.stderr.isEmpty ? result.stdout : result.stderr).split(separator: "\n").suffix(20).joined(separator: "\n")
            throw AgentError.failed("code.run: '\(shown)' exited with \(result.exitCode):\n\(tail)")
        }
        return RunOutcome(command: command, exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr,
                          durationMilliseconds: result.durationMilliseconds)
    }

    // MARK: - code.scaffold

    struct ScaffoldInput: Decodable {
        var language: String
        var name: String
        /// Where to create it, relative to the workspace; the name when not given.
        var path: String?
    }

    struct ScaffoldOutcome: Encodable {
        var language: String
        var name: String
        var path: String
        var files: [String]
        var build: [String]
        var test: [String]
        /// The new files as a unified diff, for review.
        var diff: String
    }

    private func scaffold(_ request: AgentRequest) throws -> ScaffoldOutcome {
        let input = try request.decode(ScaffoldInput.self)
        let language = input.language.lowercased()
        guard input.name.range(of: "^[a-z][a-z0-9_]{0,63}$", options: .regularExpression) != nil else {
            throw AgentError.invalidArgument("code.scaffold: the name '\(input.name)' must be lowercase letters, digits and underscores, starting with a letter")
        }
        guard let template = ScaffoldTemplate.make(language, name: input.name) else {
            throw AgentError.invalidArgument("code.scaffold: no template for '\(input.language)'; use \(ScaffoldTemplate.languages.joined(separator: ", "))")
        }
        let folder = input.path ?? input.name
        if let existing = try? request.listFiles(folder, includeHidden: true), !existing.entries.isEmpty {
            throw AgentError.invalidArgument("code.scaffold: '\(folder)' already exists and is not empty; choose another \"path\"")
        }
        var diff = ""
        for (path, contents) in template.files {
            try request.writeFile(folder + "/" + path, Array(contents.utf8))
            let lines = PatchApplier.lines(of: contents)
            diff += "diff --git a/\(folder)/\(path) b/\(folder)/\(path)\nnew file mode 100644\n--- /dev/null\n+++ b/\(folder)/\(path)\n"
            diff += "@@ -0,0 +1,\(lines.count) @@\n" + lines.map { "+" + $0 + "\n" }.joined()
        }
        return ScaffoldOutcome(language: language, name: input.name, path: folder, files: template.files.map { folder + "/" + $0.path },
                               build: template.build, test: template.test, diff: diff)
    }
}

@_cdecl("agenthost_swift_plugin")
public func agenthostSwiftPlugin() -> UnsafeRawPointer { AgentPluginExport.functions(for: CodeAgent.self) }
