/// How a command uses the task store.
public enum StoreAccess: Sendable {
    /// Runs work: writes, owns what it starts, heartbeats.
    case readWrite
    /// Only looks: opens no write lock, registers nothing, and works on a read-only file.
    case readOnly
}
