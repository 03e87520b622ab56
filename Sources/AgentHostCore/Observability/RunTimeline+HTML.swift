extension RunTimeline {
    /// The timeline as one self-contained HTML page (inline style, no script,
    /// nothing fetched): a lane per agent, a bar per task coloured by how it
    /// ended, diamonds for checkpoints, ticks for events, and arrows from a
    /// task to the tasks it handed off to or delegated. Hovering a bar or a
    /// mark shows its details.
    ///
    /// The DOM is part of the contract, for tests and for people who script
    /// it: `.lane[data-agent]`, `.bar[data-task][data-kind][data-outcome]`
    /// (attempts also `[data-step][data-attempt]`), `.mark[data-kind]` and
    /// `line.arrow[data-kind][data-from][data-to]`.
    public func html() -> String {
        let layout = HTMLLayout(self)
        var page = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(HTMLText.escape("run \(runId) \(name)"))</title>
            <style>\(Self.style)</style></head>
            <body><header><h1>run \(runId) <q>\(HTMLText.escape(name))</q> <span class="status \(status.rawValue)">\(status.rawValue)</span></h1>
            <p>\(HTMLText.escape(mode)), \(bars.count) task\(bars.count == 1 ? "" : "s") on \(lanes.count) agent\(lanes.count == 1 ? "" : "s"), \
            \(ElapsedText.format(micros: durationUs))\(resumes > 0 ? ", resumed \(resumes)×" : "")</p>
            """
        if let error { page += "<p class=\"error\">\(HTMLText.escape(error))</p>" }
        page += """
            <p class="legend"><span class="bar completed"></span>completed <span class="bar failed"></span>failed \
            <span class="bar rejected"></span>rejected <span class="bar interrupted"></span>interrupted or cancelled \
            <span class="bar running"></span>running <span class="mark checkpoint"></span>checkpoint \
            <span class="mark event"></span>event <span class="arrow-key"></span>handoff, delegation, verification</p></header>
            <main class="timeline" style="--lanes-height: \(layout.height)px">
            <div class="axis">\(layout.ticks.map { "<span style=\"left: \($0.percent)%\">\($0.label)</span>" }.joined())</div>
            <div class="lanes">
            """
        for (index, lane) in lanes.enumerated() {
            let (top, height) = layout.lanes[index]
            page += "<section class=\"lane\" data-agent=\"\(HTMLText.escape(lane))\" style=\"top: \(top)px; height: \(height)px\">"
            page += "<h2>\(HTMLText.escape(lane))</h2><div class=\"track\">"
            for (bar, row) in zip(bars, layout.rows) where bar.agent == lane {
                page += barHTML(bar, row: row, layout: layout)
            }
            for mark in marks where layout.lane(of: mark) == index {
                page += markHTML(mark, layout: layout)
            }
            page += "</div></section>"
        }
        page += "<svg class=\"arrows\" aria-hidden=\"true\"><defs><marker id=\"head\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" "
            + "markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\"/></marker></defs>"
        for arrow in arrows {
            guard let from = layout.centre(ofTask: arrow.fromTask), let to = layout.centre(ofTask: arrow.toTask) else { continue }
            let x = layout.percent(arrow.atUs)
            page += "<line class=\"arrow \(arrow.kind.rawValue)\" data-kind=\"\(arrow.kind.rawValue)\" data-from=\"\(arrow.fromTask)\" "
                + "data-to=\"\(arrow.toTask)\" x1=\"\(x)%\" y1=\"\(from)\" x2=\"\(x)%\" y2=\"\(to)\" marker-end=\"url(#head)\"/>"
        }
        page += "</svg></div>"
        let runMarks = marks.filter { layout.lane(of: $0) == nil }
        if !runMarks.isEmpty {
            page += "<section class=\"run-events\"><h2>run</h2><div class=\"track\">"
            for mark in runMarks { page += markHTML(mark, layout: layout) }
            page += "</div></section>"
        }
        page += "</main></body></html>\n"
        return page
    }

    private func barHTML(_ bar: Bar, row: Int, layout: HTMLLayout) -> String {
        let left = layout.percent(bar.startUs)
        let width = max(layout.percent(bar.endUs) - left, 0.25)
        var attributes = "class=\"bar \(Self.outcomeClass(bar.outcome))\" data-task=\"\(bar.taskId)\" data-kind=\"\(bar.kind.rawValue)\" "
            + "data-outcome=\"\(HTMLText.escape(bar.outcome))\""
        if let step = bar.step { attributes += " data-step=\"\(HTMLText.escape(step))\"" }
        if let number = bar.number { attributes += " data-attempt=\"\(number)\"" }
        var details = [
            "\(bar.title): \(bar.outcome)\(bar.open ? " (still running)" : "")",
            "task \(bar.taskId), \(bar.kind.rawValue)\(bar.capability.map { ", \($0)" } ?? "")",
            "+\(ElapsedText.format(micros: bar.startUs)) for \(ElapsedText.format(micros: bar.durationUs))",
        ]
        if let reason = bar.reason { details.append(reason) }
        return "<div \(attributes) tabindex=\"0\" style=\"left: \(left)%; width: \(width)%; top: \(HTMLLayout.barTop(row))px\">"
            + "<span class=\"label\">\(HTMLText.escape(bar.title))</span>\(Self.tip(details))</div>"
    }

    private func markHTML(_ mark: Mark, layout: HTMLLayout) -> String {
        let kind = mark.kind == "checkpoint" ? "checkpoint" : "event"
        return "<div class=\"mark \(kind)\" data-kind=\"\(HTMLText.escape(mark.kind))\" tabindex=\"0\" "
            + "style=\"left: \(layout.percent(mark.atUs))%\">"
            + Self.tip(["\(mark.kind)\(mark.step.map { " \($0)" } ?? "") at +\(ElapsedText.format(micros: mark.atUs))", mark.detail]) + "</div>"
    }

    private static func tip(_ lines: [String]) -> String {
        "<div class=\"tip\" role=\"tooltip\">" + lines.map { "<p>\(HTMLText.escape($0))</p>" }.joined() + "</div>"
    }

    private static func outcomeClass(_ outcome: String) -> String {
        switch outcome {
        case "completed", "failed", "rejected", "running": outcome
        default: "interrupted"
        }
    }

    private static let style = """
        :root { font: 14px/1.4 system-ui, sans-serif; color: #1d2330; background: #fff; }
        body { margin: 1.5rem; } h1 { font-size: 1.25rem; margin: 0 0 .25rem; } header p { margin: .25rem 0; color: #4a5264; }
        .status { font-size: .85rem; padding: .1rem .5rem; border-radius: 1rem; background: #e8ebf2; }
        .status.completed { background: #d3f2dc; } .status.failed, .status.partial, .status.escalated { background: #fadadd; }
        .error { color: #a4161a; }
        .legend { display: flex; gap: .4rem; align-items: center; flex-wrap: wrap; font-size: .85rem; }
        .legend .bar { position: static; display: inline-block; width: 1.5rem; height: .8rem; }
        .legend .mark { position: static; display: inline-block; margin: 0 .2rem; }
        .arrow-key { display: inline-block; width: 1.5rem; border-top: 2px solid #5b3cc4; }
        .timeline { position: relative; margin-top: 1rem; padding-left: 11rem; }
        .axis { position: relative; height: 1.4rem; border-bottom: 1px solid #c5cad6; font-size: .75rem; color: #6b7385; }
        .axis span { position: absolute; transform: translateX(-50%); white-space: nowrap; }
        .lanes { position: relative; height: var(--lanes-height); }
        .lane, .run-events { position: absolute; left: -11rem; right: 0; border-bottom: 1px solid #eef0f5; }
        .run-events { position: relative; left: -11rem; height: 28px; width: calc(100% + 11rem); }
        .lane h2, .run-events h2 { position: absolute; left: 0; width: 10.5rem; margin: 0; top: 6px; font-size: .85rem;
            font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
        .track { position: absolute; left: 11rem; right: 0; top: 0; bottom: 0; }
        .bar { position: absolute; height: 22px; border-radius: 3px; min-width: 3px; box-sizing: border-box;
            overflow: visible; cursor: default; }
        .bar .label { display: block; overflow: hidden; white-space: nowrap; text-overflow: clip; font-size: .75rem;
            line-height: 22px; padding: 0 4px; color: #fff; }
        .completed { background: #2f9e52; } .failed { background: #d63b3b; } .rejected { background: #e0a100; }
        .interrupted { background: #8a90a0; } .running { background: repeating-linear-gradient(45deg, #3a7bd5, #3a7bd5 6px, #5b95e6 6px, #5b95e6 12px); }
        .mark { position: absolute; top: 2px; width: 9px; height: 9px; margin-left: -4px; cursor: default; }
        .mark.checkpoint { background: #1d2330; transform: rotate(45deg); }
        .mark.event { width: 2px; height: 12px; margin-left: -1px; background: #5b3cc4; }
        .tip { display: none; position: absolute; top: 26px; left: 0; z-index: 10; min-width: 16rem; max-width: 32rem;
            background: #1d2330; color: #fff; padding: .4rem .6rem; border-radius: 4px; font-size: .8rem; }
        .tip p { margin: 0; white-space: pre-wrap; word-break: break-word; }
        .bar:hover .tip, .bar:focus .tip, .mark:hover .tip, .mark:focus .tip { display: block; }
        .bar:hover, .mark:hover { z-index: 5; outline: 2px solid #1d2330; }
        .arrows { position: absolute; left: 0; top: 0; width: 100%; height: 100%; overflow: visible; pointer-events: none; }
        .arrows line { stroke: #5b3cc4; stroke-width: 2; } .arrows path { fill: #5b3cc4; }
        """
}

/// Where things go on the HTML page: each lane's height (a row per task that
/// overlaps another of the same agent), each bar's row, and times as percents.
struct HTMLLayout {
    static let rowHeight = 28
    static let laneTop = 6
    static func barTop(_ row: Int) -> Int { laneTop + 8 + row * rowHeight }

    let timeline: RunTimeline
    /// Per bar, in `timeline.bars` order.
    var rows: [Int] = []
    /// Per lane: top and height in pixels.
    var lanes: [(top: Int, height: Int)] = []
    var height = 0
    var ticks: [(percent: Double, label: String)] = []
    private var laneIndex: [String: Int] = [:]
    private var taskCentre: [Int64: Int] = [:]
    private var taskLane: [Int64: Int] = [:]

    init(_ timeline: RunTimeline) {
        self.timeline = timeline
        for (index, lane) in timeline.lanes.enumerated() { laneIndex[lane] = index }
        // Greedy interval packing: a bar takes the first row of its lane free at its start.
        var rowEnds = Array(repeating: [Int64](), count: timeline.lanes.count)
        for bar in timeline.bars {
            let lane = laneIndex[bar.agent] ?? 0
            let row = rowEnds[lane].firstIndex { $0 <= bar.startUs } ?? rowEnds[lane].count
            if row == rowEnds[lane].count { rowEnds[lane].append(bar.endUs) } else { rowEnds[lane][row] = bar.endUs }
            rows.append(row)
        }
        var top = 0
        for ends in rowEnds {
            let height = Self.barTop(max(ends.count, 1)) + 2
            lanes.append((top, height))
            top += height
        }
        height = top
        for (bar, row) in zip(timeline.bars, rows) {
            let lane = laneIndex[bar.agent] ?? 0
            taskCentre[bar.taskId] = lanes[lane].top + Self.barTop(row) + 11
            taskLane[bar.taskId] = lane
        }
        ticks = Self.ticks(over: max(timeline.durationUs, 1))
    }

    func percent(_ micros: Int64) -> Double {
        let value = Double(micros) / Double(max(timeline.durationUs, 1)) * 100
        return (value * 100).rounded() / 100
    }

    func centre(ofTask id: Int64) -> Int? { taskCentre[id] }

    /// The lane a mark belongs on; nil for the run as a whole.
    func lane(of mark: RunTimeline.Mark) -> Int? {
        mark.taskId.flatMap { taskLane[$0] } ?? mark.agent.flatMap { laneIndex[$0] }
    }

    /// Round times about a sixth of the run apart.
    static func ticks(over duration: Int64) -> [(percent: Double, label: String)] {
        let target = max(duration / 6, 1)
        var magnitude: Int64 = 1
        while magnitude * 10 <= target { magnitude *= 10 }
        let step = [1, 2, 5, 10].map { $0 * magnitude }.first { $0 >= target } ?? magnitude * 10
        return stride(from: Int64(0), through: duration, by: Int(step)).map { (time: Int64) -> (percent: Double, label: String) in
            let percent = (Double(time) / Double(duration) * 10_000).rounded() / 100
            return (percent, ElapsedText.format(micros: time))
        }
    }
}
