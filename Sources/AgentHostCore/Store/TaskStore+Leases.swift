import GRDB

extension TaskStore {
    /// Takes `resources` for this host under `token` if no other lessee
    /// (another host, or another lease manager of this one) holds any of
    /// them; leases that expired, or whose host died, are dropped first.
    /// Returns nil when it took them, else the host holding one of them.
    func takeLeases(_ resources: [String], token: Int64) throws(StoreError) -> StoredHost? {
        guard let owner else { return nil }
        return try write { db -> StoredHost? in
            let now = WallClock.microseconds()
            try db.cachedStatement(sql: "DELETE FROM lease WHERE expires_us <= ?").execute(arguments: [now])
            let marks = Array(repeating: "?", count: resources.count).joined(separator: ", ")
            let holders = try Int64.fetchSet(db, sql: "SELECT DISTINCT holder FROM lease WHERE resource IN (\(marks))",
                                             arguments: StatementArguments(resources))
            for holder in holders.sorted() {
                if let host = try StoredHost.fetchOne(db, key: holder), host.id == owner || host.isAlive {
                    return host
                }
                try db.execute(sql: "DELETE FROM lease WHERE holder = ?", arguments: [holder])
            }
            let insert = try db.cachedStatement(sql: "INSERT INTO lease (resource, holder, token, expires_us) VALUES (?, ?, ?, ?)")
            for resource in resources {
                try insert.execute(arguments: [resource, owner, token, now + LeaseManager.leaseMicroseconds])
            }
            return nil
        }
    }

    /// Gives back the leases taken under `token`.
    func releaseLeases(token: Int64) throws(StoreError) {
        guard let owner else { return }
        try write(atomic: false) { db in
            try db.cachedStatement(sql: "DELETE FROM lease WHERE holder = ? AND token = ?").execute(arguments: [owner, token])
        }
    }

    /// Who holds what in the store now: resource to holder host id.
    public func leaseHolders() throws(StoreError) -> [String: Int64] {
        try read { db in
            var holders: [String: Int64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT resource, holder FROM lease WHERE expires_us > ?", arguments: [WallClock.microseconds()]) {
                holders[row["resource"]] = row["holder"]
            }
            return holders
        }
    }
}
