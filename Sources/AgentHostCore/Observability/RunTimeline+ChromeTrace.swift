extension RunTimeline {
    /// The timeline in Chrome's trace-event format (the JSON object form), as
    /// Perfetto and chrome://tracing open it: the run is a process, each agent
    /// a thread, each task a complete ("X") event, checkpoints and events
    /// instants, and handoffs, delegations and verifications flow arrows.
    /// Timestamps are microseconds from the run's start.
    public func chromeTrace() -> [UInt8] {
        var json = JSONWriter(capacity: 256 * (bars.count + marks.count + 4))
        json.beginObject()
        json.key("displayTimeUnit")
        json.string("ms")
        json.key("otherData")
        json.beginObject()
        json.key("run_id")
        json.int(Int(runId))
        json.key("workflow")
        json.string(name)
        json.key("status")
        json.string(status.rawValue)
        json.key("started_at_unix_us")
        json.int(Int(originUs))
        json.endObject()
        json.key("traceEvents")
        json.beginArray()

        metadata(&json, "process_name", thread: nil, name: "run \(runId) '\(name)' (\(mode)): \(status.rawValue)")
        for (index, lane) in lanes.enumerated() {
            metadata(&json, "thread_name", thread: index + 1, name: lane)
            json.beginObject()
            json.key("name"); json.string("thread_sort_index")
            json.key("ph"); json.string("M")
            json.key("pid"); json.int(1)
            json.key("tid"); json.int(index + 1)
            json.key("args"); json.beginObject(); json.key("sort_index"); json.int(index); json.endObject()
            json.endObject()
        }
        let laneOf = Dictionary(uniqueKeysWithValues: lanes.enumerated().map { ($0.element, $0.offset + 1) })
        let threadOf = Dictionary(bars.map { ($0.taskId, laneOf[$0.agent] ?? 0) }, uniquingKeysWith: { first, _ in first })

        for bar in bars {
            json.beginObject()
            json.key("name"); json.string(bar.title)
            json.key("cat"); json.string(bar.kind.rawValue)
            json.key("ph"); json.string("X")
            json.key("ts"); json.int(Int(bar.startUs))
            json.key("dur"); json.int(Int(max(bar.durationUs, 1)))
            json.key("pid"); json.int(1)
            json.key("tid"); json.int(laneOf[bar.agent] ?? 0)
            json.key("cname"); json.string(Self.chromeColour(bar.outcome))
            json.key("args")
            json.beginObject()
            json.key("task"); json.int(Int(bar.taskId))
            json.key("outcome"); json.string(bar.outcome)
            if let capability = bar.capability { json.key("capability"); json.string(capability) }
            if let step = bar.step { json.key("step"); json.string(step) }
            if let number = bar.number { json.key("attempt"); json.int(number) }
            if bar.alternative > 0 { json.key("alternative"); json.int(bar.alternative) }
            if let reason = bar.reason { json.key("reason"); json.string(reason) }
            json.endObject()
            json.endObject()
        }
        for mark in marks {
            json.beginObject()
            json.key("name"); json.string(mark.kind == "checkpoint" ? mark.detail.prefix { $0 != ":" }.description : mark.kind)
            json.key("cat"); json.string(mark.kind)
            json.key("ph"); json.string("i")
            json.key("ts"); json.int(Int(mark.atUs))
            json.key("pid"); json.int(1)
            if let thread = mark.taskId.flatMap({ threadOf[$0] }) ?? mark.agent.flatMap({ laneOf[$0] }) {
                json.key("tid"); json.int(thread)
                json.key("s"); json.string("t")
            } else {
                json.key("tid"); json.int(0)
                json.key("s"); json.string("p")
            }
            json.key("args"); json.beginObject(); json.key("detail"); json.string(mark.detail); json.endObject()
            json.endObject()
        }
        for (index, arrow) in arrows.enumerated() {
            for (phase, task) in [("s", arrow.fromTask), ("f", arrow.toTask)] {
                json.beginObject()
                json.key("name"); json.string(arrow.kind.rawValue)
                json.key("cat"); json.string(arrow.kind.rawValue)
                json.key("ph"); json.string(phase)
                json.key("id"); json.int(index + 1)
                json.key("ts"); json.int(Int(arrow.atUs))
                json.key("pid"); json.int(1)
                json.key("tid"); json.int(threadOf[task] ?? 0)
                if phase == "f" { json.key("bp"); json.string("e") }
                json.endObject()
            }
        }
        json.endArray()
        json.endObject()
        json.endLine()
        return json.bytes
    }

    private func metadata(_ json: inout JSONWriter, _ kind: StaticString, thread: Int?, name: String) {
        json.beginObject()
        json.key("name"); json.string(kind)
        json.key("ph"); json.string("M")
        json.key("pid"); json.int(1)
        if let thread { json.key("tid"); json.int(thread) }
        json.key("args"); json.beginObject(); json.key("name"); json.string(name); json.endObject()
        json.endObject()
    }

    /// Chrome's reserved colour names, by how a task ended.
    static func chromeColour(_ outcome: String) -> String {
        switch outcome {
        case "completed": "good"
        case "failed": "bad"
        case "rejected": "yellow"
        case "running": "generic_work"
        default: "grey"
        }
    }
}

extension RunTimeline.Bar {
    /// "build#2", "build#1 [alternative 1]", "handoff task 7".
    public var title: String {
        switch kind {
        case .attempt:
            let name = "\(step ?? "task \(taskId)")#\(number ?? 1)"
            return alternative > 0 ? "\(name) [alternative \(alternative)]" : name
        case .main: return "run (task \(taskId))"
        case .handoff, .delegation, .verification: return "\(kind.rawValue) task \(taskId)"
        }
    }
}
