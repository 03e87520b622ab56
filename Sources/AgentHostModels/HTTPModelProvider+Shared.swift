extension HTTPModelProvider {
    /// The provider of this process: one connection pool for every host the process makes.
    public static let shared = HTTPModelProvider()
}
