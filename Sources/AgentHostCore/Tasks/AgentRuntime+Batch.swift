extension AgentRuntime {
    /// Runs many tasks, one after another, batching their writes without
    /// weakening the guarantee: all are written pending in one transaction;
    /// then, `chunkSize` at a time, they are written in progress in one
    /// transaction before any of them is called, and written finished in one
    /// transaction before any outcome is returned.
    public func run(batch requests: [TaskRequest], chunkSize: Int = 256) throws(StoreError) -> [TaskOutcome] {
        let preparations = requests.map { prepare($0, startedAs: .pending) }
        var rows: [TaskStore.NewTask] = []
        var events: [(index: Int, event: TaskEvent)] = []
        rows.reserveCapacity(preparations.count)
        for (index, preparation) in preparations.enumerated() {
            switch preparation {
            case .ready(let ready):
                rows.append(ready.row)
            case .failed(let row, let error, let failureEvents):
                rows.append(Self.failedRow(row, error))
                events += failureEvents.map { (index, $0) }
            }
        }
        let ids = try store.insert(rows, events: events)

        var outcomes = [TaskOutcome?](repeating: nil, count: preparations.count)
        var pending: [(index: Int, ready: Ready)] = []
        for (index, preparation) in preparations.enumerated() {
            switch preparation {
            case .ready(let ready): pending.append((index, ready))
            case .failed(let row, let error, _): outcomes[index] = Self.failedOutcome(ids[index], row, error)
            }
        }
        var start = 0
        while start < pending.count {
            let chunk = pending[start..<min(start + chunkSize, pending.count)]
            start += chunk.count
            // Tasks of one chunk share their state at the start; a chunk mixes states only if requests did.
            for state in Set(chunk.map(\.ready.state)) {
                try store.markStarted(chunk.filter { $0.ready.state == state }.map { ids[$0.index] }, state: state,
                                      at: WallClock.microseconds())
            }
            var finishes: [TaskStore.Finish] = []
            var chunkEvents: [TaskEvent] = []
            for (index, ready) in chunk {
                let completion = try execute(ready, id: ids[index], chain: nil)
                finishes.append(completion.finish)
                chunkEvents += completion.events
                outcomes[index] = completion.outcome
            }
            try store.finish(finishes, events: chunkEvents)
        }
        return outcomes.map { $0! }
    }
}
