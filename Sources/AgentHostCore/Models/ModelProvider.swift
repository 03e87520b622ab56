/// Makes the HTTP calls behind the model service. The core checks and
/// records everything around a call; a provider only speaks a wire format.
/// `AgentHostModels` implements it with AsyncHTTPClient; the core never
/// links an HTTP client of its own for models.
public protocol ModelProvider: Sendable {
    /// Sends `request` to `endpoint` and blocks until the answer is complete,
    /// retrying 429 and 5xx answers with backoff (honouring `Retry-After`)
    /// within `endpoint.maxRetries` and `endpoint.timeout` per attempt.
    ///
    /// `events` is called on the calling thread, in order, as the answer
    /// comes in (as it streams, when `request.stream`). `isCancelled` is
    /// polled while waiting; when it turns true the request is abandoned and
    /// the call returns `.cancelled`. `key` is the API key, or nil.
    func complete(_ request: ModelRequest, endpoint: ModelEndpoint, key: String?,
                  events: (ModelEvent) -> Void, isCancelled: @escaping @Sendable () -> Bool) -> Result<ModelCompletion, ModelError>
}
