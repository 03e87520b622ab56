import CAgentHost
import Foundation

/// read_file, write_file, list_files and remove_file: each path is resolved
/// (relative to the workspace, past `..` and links) and checked against the
/// manifest's `paths` and the policy before anything is touched.
extension HostServices {
    static let readFile: @convention(c) (UnsafePointer<ah_host>?, UInt64, ah_str, ah_sink) -> ah_status = { host, callID, path, out in
        guard let call = HostTable.call(callID, of: host) else { return ah_status(AH_ERR_NOT_FOUND) }
        guard let path = text(path, limit: AH_MAX_PATH_BYTES, what: "the path", service: "read_file", for: call, out) else {
            return ah_status(AH_ERR_INVALID_ARGUMENT)
        }
        guard let resolved = permitted(path: path, for: call, service: "read_file", out) else { return ah_status(AH_ERR_DENIED) }
        guard let data = FileManager.default.contents(atPath: resolved) else {
            out.send("read_file '\(path)': no such file, or it cannot be read")
            return ah_status(AH_ERR_NOT_FOUND)
        }
        let cap = call.plugin.manifest.permissions.maxOutputBytes
        guard data.count <= cap else {
            out.send("read_file '\(path)': \(data.count) bytes is more than the plugin's max_output_bytes (\(cap))")
            return ah_status(AH_ERR_INVALID_ARGUMENT)
        }
        out.send(Array(data))
        return ah_status(AH_OK)
    }

    static let writeFile: @convention(c) (UnsafePointer<ah_host>?, UInt64, ah_str, ah_str, ah_sink) -> ah_status = {
        host, callID, path, contents, out in
        guard let call = HostTable.call(callID, of: host) else { return ah_status(AH_ERR_NOT_FOUND) }
        guard let path = text(path, limit: AH_MAX_PATH_BYTES, what: "the path", service: "write_file", for: call, out),
              let contents = input(contents, limit: AH_MAX_PAYLOAD_BYTES, as: .bytes, what: "the contents", service: "write_file",
                                   for: call, out) else {
            return ah_status(AH_ERR_INVALID_ARGUMENT)
        }
        guard let resolved = permitted(path: path, for: call, service: "write_file", out) else { return ah_status(AH_ERR_DENIED) }
        let url = URL(fileURLWithPath: resolved)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            // Atomic: a reader never sees half a file, and a failed write leaves the old one.
            try Data(contents).write(to: url, options: .atomic)
            return ah_status(AH_OK)
        } catch {
            out.send("write_file '\(path)': \(error.localizedDescription)")
            return ah_status(AH_ERR_UNAVAILABLE)
        }
    }

    static let removeFile: @convention(c) (UnsafePointer<ah_host>?, UInt64, ah_str, ah_sink) -> ah_status = { host, callID, path, out in
        guard let call = HostTable.call(callID, of: host) else { return ah_status(AH_ERR_NOT_FOUND) }
        guard let path = text(path, limit: AH_MAX_PATH_BYTES, what: "the path", service: "remove_file", for: call, out) else {
            return ah_status(AH_ERR_INVALID_ARGUMENT)
        }
        guard let resolved = permitted(path: path, for: call, service: "remove_file", out) else { return ah_status(AH_ERR_DENIED) }
        if resolved == PathAllowList.resolve(call.host.policy.workspace) {
            out.send("remove_file '\(path)': that is the workspace itself, which is never removed")
            return ah_status(AH_ERR_DENIED)
        }
        guard FileManager.default.fileExists(atPath: resolved) else {
            out.send("remove_file '\(path)': no such file or folder")
            return ah_status(AH_ERR_NOT_FOUND)
        }
        do {
            try FileManager.default.removeItem(atPath: resolved)
            return ah_status(AH_OK)
        } catch {
            out.send("remove_file '\(path)': \(error.localizedDescription)")
            return ah_status(AH_ERR_UNAVAILABLE)
        }
    }

    struct ListRequest: Decodable {
        var path: String?
        var recursive: Bool?
        var max_entries: Int?
        var include_hidden: Bool?
    }

    struct ListedFile: Encodable {
        var path: String
        var kind: String
        var size: Int64
        var modified_ns: Int64
    }

    struct Listing: Encodable {
        var root: String
        var entries: [ListedFile]
        var truncated: Bool
    }

    static let listFiles: @convention(c) (UnsafePointer<ah_host>?, UInt64, ah_str, ah_sink) -> ah_status = { host, callID, request, out in
        guard let call = HostTable.call(callID, of: host) else { return ah_status(AH_ERR_NOT_FOUND) }
        guard let bytes = input(request, limit: AH_MAX_PAYLOAD_BYTES, what: "the request", service: "list_files", for: call, out) else {
            return ah_status(AH_ERR_INVALID_ARGUMENT)
        }
        guard let request = try? JSONDecoder().decode(ListRequest.self, from: Data(bytes.isEmpty ? Array("{}".utf8) : bytes)) else {
            out.send("list_files: expected JSON {\"path\"?, \"recursive\"?, \"max_entries\"?, \"include_hidden\"?}")
            return ah_status(AH_ERR_INVALID_ARGUMENT)
        }
        let path = request.path ?? "."
        guard let root = permitted(path: path, for: call, service: "list_files", out) else { return ah_status(AH_ERR_DENIED) }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isFolder), isFolder.boolValue else {
            out.send("list_files '\(path)': no such folder")
            return ah_status(AH_ERR_NOT_FOUND)
        }
        let limit = min(max(request.max_entries ?? 100_000, 1), 1_000_000)
        var listing = Listing(root: root, entries: [], truncated: false)
        // Breadth first, so a capped listing holds the shallow entries.
        var folders = [""]
        var nextFolder = 0
        walk: while nextFolder < folders.count {
            let relative = folders[nextFolder]
            nextFolder += 1
            let folder = relative.isEmpty ? root : root + "/" + relative
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { continue }
            for name in names.sorted() where request.include_hidden == true || !name.hasPrefix(".") {
                if call.isCancelled { break walk }
                let entry = relative.isEmpty ? name : relative + "/" + name
                // lstat: a link is listed as a link and never followed, so a walk cannot leave the root.
                var info = stat()
                guard lstat(folder + "/" + name, &info) == 0 else { continue }
                let type = info.st_mode & S_IFMT
                let kind = type == S_IFDIR ? "folder" : type == S_IFLNK ? "link" : type == S_IFREG ? "file" : "other"
                guard listing.entries.count < limit else {
                    listing.truncated = true
                    break walk
                }
                #if os(Linux)
                let modified = info.st_mtim
                #else
                let modified = info.st_mtimespec
                #endif
                listing.entries.append(ListedFile(path: entry, kind: kind, size: Int64(info.st_size),
                                                  modified_ns: Int64(modified.tv_sec) * 1_000_000_000 + Int64(modified.tv_nsec)))
                if kind == "folder", request.recursive == true { folders.append(entry) }
            }
        }
        guard let encoded = try? JSONEncoder().encode(listing) else { return ah_status(AH_ERR_INTERNAL) }
        out.send(Array(encoded))
        return ah_status(AH_OK)
    }
}
