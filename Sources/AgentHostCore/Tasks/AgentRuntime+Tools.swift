extension AgentRuntime {
    /// Calls plugin `pluginID`'s tool `name` for an agent in `state`, as
    /// `agenthost tool` does. A masked tool or a guardrail trip is refused
    /// and recorded in the store as an event of no task.
    public func callTool(_ name: String, of pluginID: String, arguments: [ToolValue],
                         state: AgentState) throws(ToolCallError) -> ToolValue {
        let tool = try host.tool(name, of: pluginID)
        do throws(ToolCallError) {
            return try host.callTool(tool, arguments: arguments, state: state)
        } catch {
            let kind: TaskEvent.Kind? = switch error {
            case .masked: .toolMasked
            case .guardrail: .guardrailTripped
            default: nil
            }
            if let kind {
                // The refusal is what the caller needs; a store that cannot take
                // the record must not hide it, so it is logged instead.
                do throws(StoreError) {
                    try store.record([TaskEvent(taskId: nil, kind: kind, agent: pluginID, detail: error.description)])
                } catch let storeError {
                    logger.error("could not record a refused tool call: \(storeError)")
                }
            }
            throw error
        }
    }
}
