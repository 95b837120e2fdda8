import Foundation

/// One class's precision–recall chart: recall on x, precision on y, both 0...1,
/// one line per pipeline, AP in the legend.
struct PRChart {
    var className: String
    /// In pipeline order; a pipeline without a curve for this class is absent.
    var series: [PRCurveSeries]
    var pipelineColours: Palette

    static let width = 340.0
    static let height = 300.0
    static let left = 44.0, right = 12.0, top = 14.0, bottom = 40.0

    func svg(id: String) -> String {
        let pw = Self.width - Self.left - Self.right
        let ph = Self.height - Self.top - Self.bottom
        func px(_ r: Double) -> Double { Self.left + pw * min(max(r, 0), 1) }
        func py(_ p: Double) -> Double { Self.top + ph * (1 - min(max(p, 0), 1)) }
        var s = "<svg id=\"\(id)\" class=\"pr-chart\" data-class=\"\(HTMLText.escape(className))\" "
        s += "viewBox=\"0 0 \(HTMLText.num(Self.width)) \(HTMLText.num(Self.height))\" role=\"img\" "
        s += "aria-label=\"\(HTMLText.escape("Precision–recall, \(className)"))\">\n"
        s += "<rect class=\"plot-area\" x=\"\(HTMLText.num(Self.left))\" y=\"\(HTMLText.num(Self.top))\" "
        s += "width=\"\(HTMLText.num(pw))\" height=\"\(HTMLText.num(ph))\"/>\n"
        s += "<g class=\"axis\">\n"
        for k in 0...5 {
            let v = Double(k) / 5
            let label = String(format: "%.1f", v)
            s += "<line class=\"grid\" x1=\"\(HTMLText.num(px(v)))\" y1=\"\(HTMLText.num(Self.top))\" x2=\"\(HTMLText.num(px(v)))\" y2=\"\(HTMLText.num(Self.top + ph))\"/>\n"
            s += "<line class=\"grid\" x1=\"\(HTMLText.num(Self.left))\" y1=\"\(HTMLText.num(py(v)))\" x2=\"\(HTMLText.num(Self.left + pw))\" y2=\"\(HTMLText.num(py(v)))\"/>\n"
            s += "<text class=\"tick\" x=\"\(HTMLText.num(px(v)))\" y=\"\(HTMLText.num(Self.top + ph + 14))\" text-anchor=\"middle\">\(label)</text>\n"
            s += "<text class=\"tick\" x=\"\(HTMLText.num(Self.left - 6))\" y=\"\(HTMLText.num(py(v)))\" text-anchor=\"end\" dominant-baseline=\"central\">\(label)</text>\n"
        }
        s += "<text class=\"axis-title\" x=\"\(HTMLText.num(Self.left + pw / 2))\" y=\"\(HTMLText.num(Self.height - 6))\" text-anchor=\"middle\">recall</text>\n"
        s += "<text class=\"axis-title\" transform=\"translate(12 \(HTMLText.num(Self.top + ph / 2))) rotate(-90)\" text-anchor=\"middle\">precision</text>\n"
        s += "</g>\n"
        for c in series {
            let points = Self.pixelPath(recall: c.recall, precision: c.precision, px: px, py: py)
            guard !points.isEmpty else { continue }
            let colour = pipelineColours.colour(c.pipeline)
            s += "<polyline class=\"pr-line\" data-pipeline=\"\(HTMLText.escape(c.pipeline))\" fill=\"none\" stroke=\"\(colour)\" "
            s += "points=\"\(points.map { HTMLText.num($0.0) + "," + HTMLText.num($0.1) }.joined(separator: " "))\">"
            s += "<title>\(HTMLText.escape("\(c.pipeline): AP \(HTMLText.ap(c.ap)), \(c.recall.count) detections"))</title></polyline>\n"
        }
        // The legend sits bottom-left, where PR curves almost never pass
        // (low recall at low precision would mean the top-scored boxes are wrong).
        let rowHeight = 16.0
        let legendHeight = Double(series.count) * rowHeight + 8
        let lx = Self.left + 8, ly = Self.top + ph - legendHeight - 6
        let texts = series.map { $0.recall.isEmpty ? "\($0.pipeline): no detections" : "\($0.pipeline): AP \(HTMLText.ap($0.ap))" }
        let legendWidth = 38 + 6.2 * Double(texts.map(\.count).max() ?? 0)
        if !series.isEmpty {
            s += "<g class=\"pr-legend\">\n<rect class=\"legend-box\" x=\"\(HTMLText.num(lx))\" y=\"\(HTMLText.num(ly))\" "
            s += "width=\"\(HTMLText.num(legendWidth))\" height=\"\(HTMLText.num(legendHeight))\" rx=\"3\"/>\n"
            for (i, c) in series.enumerated() {
                let y = ly + 4 + Double(i) * rowHeight + rowHeight / 2
                let colour = pipelineColours.colour(c.pipeline)
                s += "<line x1=\"\(HTMLText.num(lx + 6))\" y1=\"\(HTMLText.num(y))\" x2=\"\(HTMLText.num(lx + 24))\" y2=\"\(HTMLText.num(y))\" stroke=\"\(colour)\" stroke-width=\"2.5\"/>\n"
                s += "<text class=\"legend-text\" x=\"\(HTMLText.num(lx + 30))\" y=\"\(HTMLText.num(y))\" dominant-baseline=\"central\">\(HTMLText.escape(texts[i]))</text>\n"
            }
            s += "</g>\n"
        }
        s += "</svg>\n"
        return s
    }

    /// The curve in pixels, dropping points that land on the previous one: a class
    /// with thousands of detections would otherwise write thousands of duplicates.
    static func pixelPath(recall: [Double], precision: [Double],
                          px: (Double) -> Double, py: (Double) -> Double) -> [(Double, Double)] {
        var out: [(Double, Double)] = []
        for (r, p) in zip(recall, precision) where r.isFinite && p.isFinite {
            let point = ((px(r) * 10).rounded() / 10, (py(p) * 10).rounded() / 10)
            if let last = out.last, last.0 == point.0, last.1 == point.1 { continue }
            out.append(point)
        }
        return out
    }
}
