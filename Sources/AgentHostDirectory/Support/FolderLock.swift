import Foundation

/// An advisory lock (flock) on `.lock` in a folder, held while `body` runs:
/// how two commands that change the same folder take turns.
enum FolderLock {
    static func holding<T>(_ folder: URL, _ body: () throws(DirectoryError) -> T) throws(DirectoryError) -> T {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw .io(path: folder.path, reason: error.localizedDescription)
        }
        let lockPath = folder.appendingPathComponent(".lock").path
        let descriptor = open(lockPath, O_RDWR | O_CREAT, 0o644)
        guard descriptor >= 0 else { throw .io(path: lockPath, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        flock(descriptor, LOCK_EX)
        return try body()
    }
}
