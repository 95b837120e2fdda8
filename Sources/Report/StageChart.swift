import Foundation

/// The stacked horizontal bars of stage times: one bar per pipeline, one segment
/// per stage. Drawn twice: in milliseconds on a common axis (how much faster) and
/// as shares of each pipeline's own time (where each one spends it), because the
/// pipelines differ by two orders of magnitude and a common linear axis leaves
/// the fastest bar a sliver.
struct StageChart {
    var pipelines: [PipelineSummary]
    var stageColours: Palette

    static let width = 960.0
    static let labelWidth = 130.0
    static let totalLabelWidth = 150.0
    static let barHeight = 30.0
    static let barGap = 16.0
    static let top = 28.0
    /// A stage that takes 0.1% of the slowest pipeline's time still gets a sliver
    /// you can hover for its tooltip.
    static let minimumSegment = 3.0
    /// Average advance of a character at the 11 px label size, to decide whether
    /// a label fits inside its segment.
    static let charWidth = 6.4

    enum Mode { case milliseconds, share }

    /// Time not covered by any stage (glue between stages, bookkeeping), drawn
    /// as a grey segment so the bar's length is the pipeline's real total.
    static func unaccounted(_ p: PipelineSummary) -> Double {
        let rest = p.totalMs - p.stages.reduce(0) { $0 + $1.meanMs }
        return rest > 0.005 * p.totalMs ? rest : 0
    }

    func svg(mode: Mode, id: String) -> String {
        let plotWidth = Self.width - Self.labelWidth - Self.totalLabelWidth
        let height = Self.top + Double(pipelines.count) * (Self.barHeight + Self.barGap) + 8
        let maxTotal = pipelines.map { max($0.totalMs, $0.stages.reduce(0) { $0 + $1.meanMs }) }.max() ?? 0
        var s = "<svg id=\"\(id)\" class=\"stage-chart\" viewBox=\"0 0 \(HTMLText.num(Self.width)) \(HTMLText.num(height))\" "
        s += "role=\"img\" aria-label=\"\(mode == .share ? "Share of time per stage" : "Milliseconds per image by stage")\">\n"
        s += axis(mode: mode, maxTotal: maxTotal, plotWidth: plotWidth, height: height)
        for (row, p) in pipelines.enumerated() {
            let y = Self.top + Double(row) * (Self.barHeight + Self.barGap)
            let barTotal = max(p.totalMs, p.stages.reduce(0) { $0 + $1.meanMs })
            let full: Double
            switch mode {
            case .milliseconds: full = maxTotal > 0 ? plotWidth * barTotal / maxTotal : 0
            case .share: full = plotWidth
            }
            s += "<g class=\"stage-bar\" data-pipeline=\"\(HTMLText.escape(p.name))\">\n"
            s += "<text class=\"bar-name\" x=\"\(HTMLText.num(Self.labelWidth - 10))\" y=\"\(HTMLText.num(y + Self.barHeight / 2))\" "
            s += "text-anchor=\"end\" dominant-baseline=\"central\">\(HTMLText.escape(p.name))</text>\n"
            var x = Self.labelWidth
            var parts: [(name: String, ms: Double, median: Double?, colour: String, cls: String)] =
                p.stages.map { ($0.stage, $0.meanMs, $0.medianMs, stageColours.colour($0.stage), "stage-segment") }
            let rest = Self.unaccounted(p)
            if rest > 0 { parts.append(("other (between stages)", rest, nil, "#bdbdbd", "stage-other")) }
            let widths = Self.segmentWidths(parts.map(\.ms), length: full)
            for (part, w) in zip(parts, widths) {
                let share = barTotal > 0 ? part.ms / barTotal : 0
                var tip = "\(p.name) · \(part.name): mean \(HTMLText.ms(part.ms)) ms"
                if let m = part.median { tip += ", median \(HTMLText.ms(m)) ms" }
                tip += " (\(HTMLText.percent(share)) of total)"
                s += "<rect class=\"\(part.cls)\" data-stage=\"\(HTMLText.escape(part.name))\" x=\"\(HTMLText.num(x))\" "
                s += "y=\"\(HTMLText.num(y))\" width=\"\(HTMLText.num(w))\" height=\"\(HTMLText.num(Self.barHeight))\" "
                s += "fill=\"\(part.colour)\"><title>\(HTMLText.escape(tip))</title></rect>\n"
                let label = mode == .share ? HTMLText.percent(share) : HTMLText.ms(part.ms)
                if Double(label.count) * Self.charWidth + 8 <= w {
                    s += "<text class=\"segment-label\" x=\"\(HTMLText.num(x + w / 2))\" y=\"\(HTMLText.num(y + Self.barHeight / 2))\" "
                    s += "text-anchor=\"middle\" dominant-baseline=\"central\" fill=\"\(Palette.label(on: part.colour))\">"
                    s += "\(HTMLText.escape(label))</text>\n"
                }
                x += w
            }
            if mode == .milliseconds {
                var total = "\(HTMLText.ms(p.totalMs)) ms"
                if let sp = p.speedupOverRCNN, abs(sp - 1) > 1e-9 { total += "  (\(HTMLText.speedup(sp)))" }
                s += "<text class=\"bar-total\" x=\"\(HTMLText.num(x + 8))\" y=\"\(HTMLText.num(y + Self.barHeight / 2))\" "
                s += "dominant-baseline=\"central\">\(HTMLText.escape(total))</text>\n"
            }
            s += "</g>\n"
        }
        s += "</svg>\n"
        return s
    }

    /// Vertical grid lines with round values (1-2-5 steps) or 0-100%.
    private func axis(mode: Mode, maxTotal: Double, plotWidth: Double, height: Double) -> String {
        var ticks: [(value: Double, label: String)] = []
        switch mode {
        case .share:
            ticks = stride(from: 0.0, through: 1.0, by: 0.25).map { ($0, HTMLText.percent($0).replacingOccurrences(of: ".0%", with: "%")) }
        case .milliseconds:
            guard maxTotal > 0 else { return "" }
            let step = Self.niceStep(maxTotal / 5)
            var v = 0.0
            while v <= maxTotal * 1.0001 { ticks.append((v / maxTotal, v == 0 ? "0" : HTMLText.ms(v) + " ms")); v += step }
        }
        var s = "<g class=\"axis\">\n"
        let bottom = height - 8
        for t in ticks {
            let x = Self.labelWidth + plotWidth * t.value
            s += "<line x1=\"\(HTMLText.num(x))\" y1=\"\(HTMLText.num(Self.top - 6))\" x2=\"\(HTMLText.num(x))\" y2=\"\(HTMLText.num(bottom))\" class=\"grid\"/>\n"
            s += "<text x=\"\(HTMLText.num(x))\" y=\"\(HTMLText.num(Self.top - 10))\" text-anchor=\"middle\" class=\"tick\">\(HTMLText.escape(t.label))</text>\n"
        }
        s += "</g>\n"
        return s
    }

    /// Segment lengths proportional to `values` that add up to `length`, except that
    /// every non-zero value gets at least `minimumSegment`; the slack comes out of
    /// the larger segments, so a bar's end still marks its total.
    static func segmentWidths(_ values: [Double], length: Double) -> [Double] {
        let total = values.reduce(0, +)
        guard total > 0, length > 0 else { return values.map { _ in 0 } }
        let raw = values.map { length * $0 / total }
        let small = raw.enumerated().filter { values[$0.offset] > 0 && $0.element < minimumSegment }.map(\.offset)
        let reserved = Double(small.count) * minimumSegment
        let largeTotal = raw.enumerated().filter { !small.contains($0.offset) }.reduce(0) { $0 + $1.element }
        // Bars too short to hold all the minimum slivers: plain proportions.
        guard !small.isEmpty, largeTotal > 0, reserved < length else { return raw }
        let scale = (length - reserved) / largeTotal
        return raw.enumerated().map { small.contains($0.offset) ? minimumSegment : $0.element * scale }
    }

    /// The 1-2-5 value nearest above `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0 else { return 1 }
        let magnitude = pow(10, floor(log10(raw)))
        for m in [1.0, 2.0, 5.0, 10.0] where m * magnitude >= raw { return m * magnitude }
        return 10 * magnitude
    }
}
