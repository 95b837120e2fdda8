import Foundation

/// Renders a `ReportInput` as one self-contained HTML file: inline CSS and SVG,
/// pictures as data: URIs, no scripts and no references outside the file, so it
/// can be mailed, archived or opened offline and always looks the same.
///
/// The output depends only on the input (no clock, locale or dictionary order).
public enum HTMLReport {
    public static func render(_ input: ReportInput) -> String {
        var stageColours = Palette()
        for p in input.pipelines { for s in p.stages { stageColours.add(s.stage) } }
        let pipelineOrder = orderedPipelineNames(input)
        let pipelineColours = Palette(pipelineOrder)
        let classNames = input.resolvedClassNames
        let classColours = Palette(classNames)
        var ids = HTMLText.IDs()

        var s = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        s += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        s += "<title>\(HTMLText.escape(input.title))</title>\n<style>\n\(css)</style>\n</head>\n<body>\n"
        s += "<header>\n<h1>\(HTMLText.escape(input.title))</h1>\n<p class=\"meta\">Generated \(HTMLText.timestamp(input.generatedAt))"
        if !input.machine.isEmpty { s += " · \(HTMLText.escape(input.machine))" }
        s += "</p>\n<nav><a href=\"#timing\">Time per stage</a> <a href=\"#stages\">Stage table</a> "
        s += "<a href=\"#accuracy\">Precision–recall</a> <a href=\"#gallery\">Gallery</a> <a href=\"#configuration\">Configuration</a></nav>\n</header>\n<main>\n"

        s += timingSection(input, stageColours: stageColours)
        s += tableSection(input)
        s += accuracySection(input, classNames: classNames, pipelineOrder: pipelineOrder,
                             pipelineColours: pipelineColours, ids: &ids)
        s += gallerySection(input, pipelineOrder: pipelineOrder, classColours: classColours)
        s += configurationSection(input)
        s += "</main>\n</body>\n</html>\n"
        return s
    }

    /// Renders `input` and writes it to `path` atomically, so a reader never sees half a report.
    public static func write(_ input: ReportInput, to path: String) throws {
        do {
            try Data(render(input).utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ReportError.writeFailed(path: path, reason: error.localizedDescription)
        }
    }

    /// Pipelines in the order of `input.pipelines`, then any only named by curves or
    /// detections, so colours and columns line up across every section.
    static func orderedPipelineNames(_ input: ReportInput) -> [String] {
        var p = Palette(input.pipelines.map(\.name))
        for c in input.prCurves { p.add(c.pipeline) }
        for g in input.gallery { for d in g.detections { p.add(d.pipeline) } }
        return p.names
    }

    // MARK: - Sections

    static func timingSection(_ input: ReportInput, stageColours: Palette) -> String {
        var s = "<section id=\"timing\">\n<h2>Where the time goes</h2>\n"
        guard !input.pipelines.isEmpty else { return s + "<p class=\"empty\">No timed runs.</p>\n</section>\n" }
        let chart = StageChart(pipelines: input.pipelines, stageColours: stageColours)
        s += "<figure>\n<figcaption>Mean milliseconds per image, stage by stage (hover a segment for mean, median and share).</figcaption>\n"
        s += "<div class=\"scroll\">\n" + chart.svg(mode: .milliseconds, id: "stage-chart") + "</div>\n"
        s += "</figure>\n<figure>\n<figcaption>Share of each pipeline's own time.</figcaption>\n"
        s += "<div class=\"scroll\">\n" + chart.svg(mode: .share, id: "stage-share-chart") + "</div>\n"
        s += "</figure>\n<ul class=\"legend\" id=\"stage-legend\">\n"
        for name in stageColours.names {
            s += "<li><span class=\"swatch\" style=\"background:\(stageColours.colour(name))\"></span>\(HTMLText.escape(name))</li>\n"
        }
        if input.pipelines.contains(where: { StageChart.unaccounted($0) > 0 }) {
            s += "<li><span class=\"swatch\" style=\"background:#bdbdbd\"></span>other (between stages)</li>\n"
        }
        s += "</ul>\n</section>\n"
        return s
    }

    static func tableSection(_ input: ReportInput) -> String {
        var s = "<section id=\"stages\">\n<h2>Stage by stage</h2>\n"
        // A summary without an architecture (made by hand, not from a store) goes by its name.
        let rcnnTotal = input.pipelines.filter { ($0.architecture ?? $0.name) == "rcnn" }.map(\.totalMs).max()
        func speedup(_ p: PipelineSummary) -> Double? {
            if let sp = p.speedupOverRCNN { return sp }
            guard let r = rcnnTotal, p.totalMs > 0 else { return nil }
            return r / p.totalMs
        }
        let referenceRCNN = input.reference.first(where: { $0.pipeline == "rcnn" })?.secondsPerImage
        func referenceSpeedup(_ r: ReferenceTiming) -> Double? {
            guard let base = referenceRCNN, r.secondsPerImage > 0 else { return nil }
            return base / r.secondsPerImage
        }

        s += "<div class=\"scroll\">\n<table id=\"summary-table\">\n<thead><tr><th>Pipeline</th><th>Run</th><th class=\"num\">Images</th>"
        s += "<th class=\"num\">ms / image</th><th class=\"num\">Speed-up vs R-CNN</th><th class=\"num\">AP50</th>"
        s += "<th class=\"num ref\">Reference s / image</th><th class=\"num ref\">Reference speed-up</th><th class=\"ref\">Reference setting</th></tr></thead>\n<tbody>\n"
        var unmatched = input.reference
        for p in input.pipelines {
            // The papers' figures belong to an architecture, whatever the pipeline's name.
            let kind = p.architecture ?? p.name
            let ref = input.reference.first(where: { $0.pipeline == kind })
            unmatched.removeAll { $0.pipeline == kind }
            s += "<tr class=\"summary-row\" data-pipeline=\"\(HTMLText.escape(p.name))\"><td>\(HTMLText.escape(p.name))</td>"
            s += "<td>\(p.runID.map { String($0) } ?? "—")</td><td class=\"num\">\(p.images)</td>"
            s += "<td class=\"num\">\(HTMLText.ms(p.totalMs))</td><td class=\"num\">\(HTMLText.speedup(speedup(p)))</td>"
            s += "<td class=\"num\">\(HTMLText.ap(p.ap50))</td>"
            s += referenceCells(ref, speedup: ref.flatMap(referenceSpeedup))
            s += "</tr>\n"
        }
        for r in unmatched {
            s += "<tr class=\"summary-row reference-only\" data-pipeline=\"\(HTMLText.escape(r.pipeline))\"><td>\(HTMLText.escape(r.pipeline))</td>"
            s += "<td>—</td><td class=\"num\">—</td><td class=\"num\">—</td><td class=\"num\">—</td><td class=\"num\">—</td>"
            s += referenceCells(r, speedup: referenceSpeedup(r))
            s += "</tr>\n"
        }
        s += "</tbody>\n</table>\n</div>\n"
        s += "<p class=\"note\">Measured here on the CPU described above; the reference columns are the per-image test times "
        s += "usually quoted for the three papers, so compare the speed-ups, not the absolute times.</p>\n"

        guard !input.pipelines.isEmpty else { return s + "</section>\n" }
        s += "<div class=\"scroll\">\n<table id=\"stage-table\">\n<thead><tr><th>Pipeline</th><th>Stage</th><th class=\"num\">Mean ms</th>"
        s += "<th class=\"num\">Median ms</th><th>Share of total</th></tr></thead>\n"
        for p in input.pipelines {
            s += "<tbody data-pipeline=\"\(HTMLText.escape(p.name))\">\n"
            for (i, st) in p.stages.enumerated() {
                let share = p.totalMs > 0 ? st.meanMs / p.totalMs : 0
                s += "<tr class=\"stage-row\">"
                if i == 0 { s += "<th rowspan=\"\(p.stages.count + 1)\" scope=\"rowgroup\">\(HTMLText.escape(p.name))</th>" }
                s += "<td>\(HTMLText.escape(st.stage))</td><td class=\"num\">\(HTMLText.ms(st.meanMs))</td>"
                s += "<td class=\"num\">\(HTMLText.ms(st.medianMs))</td>"
                s += "<td><span class=\"share\"><span class=\"share-bar\" style=\"width:\(HTMLText.num(min(max(share, 0), 1) * 100))%\"></span></span>"
                s += "\(HTMLText.percent(share))</td></tr>\n"
            }
            s += "<tr class=\"total-row\">"
            if p.stages.isEmpty { s += "<th scope=\"rowgroup\">\(HTMLText.escape(p.name))</th>" }
            s += "<td>total</td><td class=\"num\">\(HTMLText.ms(p.totalMs))</td><td class=\"num\"></td>"
            s += "<td>speed-up \(HTMLText.speedup(speedup(p))) · AP50 \(HTMLText.ap(p.ap50))</td></tr>\n</tbody>\n"
        }
        s += "</table>\n</div>\n</section>\n"
        return s
    }

    static func referenceCells(_ r: ReferenceTiming?, speedup: Double?) -> String {
        guard let r else { return "<td class=\"num ref\">—</td><td class=\"num ref\">—</td><td class=\"ref\"></td>" }
        return "<td class=\"num ref\">\(HTMLText.seconds(r.secondsPerImage))</td><td class=\"num ref\">\(HTMLText.speedup(speedup))</td>"
            + "<td class=\"ref\">\(HTMLText.escape(r.setting))</td>"
    }

    static func accuracySection(_ input: ReportInput, classNames: [String], pipelineOrder: [String],
                                pipelineColours: Palette, ids: inout HTMLText.IDs) -> String {
        var s = "<section id=\"accuracy\">\n<h2>Accuracy</h2>\n"
        let withAP = input.pipelines.filter { !$0.perClassAP.isEmpty || $0.ap50 != nil }
        if !withAP.isEmpty {
            s += "<div class=\"scroll\">\n<table id=\"ap-table\">\n<thead><tr><th>Class</th>"
            for p in withAP { s += "<th class=\"num\">\(HTMLText.escape(p.name))</th>" }
            s += "</tr></thead>\n<tbody>\n"
            for c in classNames where withAP.contains(where: { $0.perClassAP.contains { $0.className == c } }) {
                s += "<tr><td>\(HTMLText.escape(c))</td>"
                for p in withAP { s += "<td class=\"num\">\(HTMLText.ap(p.perClassAP.first { $0.className == c }?.ap))</td>" }
                s += "</tr>\n"
            }
            s += "<tr class=\"total-row\"><td>mean (AP50)</td>"
            for p in withAP { s += "<td class=\"num\">\(HTMLText.ap(p.ap50))</td>" }
            s += "</tr>\n</tbody>\n</table>\n</div>\n"
        }
        let curveClasses = classNames.filter { c in input.prCurves.contains { $0.className == c } }
        guard !curveClasses.isEmpty else {
            return s + "<p class=\"empty\">No precision–recall curves: the images have no annotations in the store.</p>\n</section>\n"
        }
        s += "<p class=\"note\">Precision–recall at IoU ≥ 0.5, one chart per class; points in score order.</p>\n<div class=\"pr-grid\">\n"
        for c in curveClasses {
            let series = pipelineOrder.flatMap { name in input.prCurves.filter { $0.className == c && $0.pipeline == name } }
            let chart = PRChart(className: c, series: series, pipelineColours: pipelineColours)
            s += "<figure class=\"pr-figure\">\n<figcaption>\(HTMLText.escape(c))</figcaption>\n"
            s += chart.svg(id: ids.make("pr", c))
            s += "</figure>\n"
        }
        s += "</div>\n</section>\n"
        return s
    }

    static func gallerySection(_ input: ReportInput, pipelineOrder: [String], classColours: Palette) -> String {
        var s = "<section id=\"gallery\">\n<h2>Gallery</h2>\n"
        guard !input.gallery.isEmpty else { return s + "<p class=\"empty\">No sample images.</p>\n</section>\n" }
        s += "<ul class=\"legend\" id=\"class-legend\">\n"
        for name in classColours.names {
            s += "<li><span class=\"swatch\" style=\"background:\(classColours.colour(name))\"></span>\(HTMLText.escape(name))</li>\n"
        }
        s += "</ul>\n"
        for item in input.gallery {
            let uri = "data:image/jpeg;base64," + item.jpeg.base64EncodedString()
            s += "<figure class=\"gallery-item\" data-image=\"\(HTMLText.escape(item.name))\">\n"
            s += "<figcaption>\(HTMLText.escape(item.name)) <span class=\"dim\">\(item.width)×\(item.height)</span></figcaption>\n<div class=\"panels\">\n"
            s += GalleryPanel(title: "ground truth (\(item.groundTruth.count))", kind: .groundTruth, item: item,
                              boxes: item.groundTruth, classColours: classColours).html(imageURI: uri)
            for name in pipelineOrder {
                guard let d = item.detections.first(where: { $0.pipeline == name }) else { continue }
                let shown = d.boxes.filter { ($0.score ?? 1) >= item.minimumScore }
                let title = "\(name) (\(shown.count) with score ≥ \(String(format: "%.2f", item.minimumScore)))"
                s += GalleryPanel(title: title, kind: .detections(pipeline: name), item: item,
                                  boxes: shown, classColours: classColours).html(imageURI: uri)
            }
            s += "</div>\n</figure>\n"
        }
        s += "</section>\n"
        return s
    }

    static func configurationSection(_ input: ReportInput) -> String {
        var s = "<section id=\"configuration\">\n<h2>Run configurations</h2>\n"
        guard !input.pipelines.isEmpty else { return s + "<p class=\"empty\">No runs.</p>\n</section>\n" }
        for p in input.pipelines {
            s += "<h3>\(HTMLText.escape(p.name))"
            if let id = p.runID { s += " <span class=\"dim\">run \(id)</span>" }
            s += "</h3>\n"
            if !p.model.isEmpty {
                s += "<ul class=\"model\">" + p.model.map { "<li>\(HTMLText.escape($0))</li>" }.joined() + "</ul>\n"
            }
            if p.configuration.isEmpty {
                s += "<p class=\"empty\">No configuration recorded.</p>\n"
            } else {
                s += "<pre class=\"config\">\(HTMLText.escape(p.configuration))</pre>\n"
            }
        }
        s += "</section>\n"
        return s
    }

    // MARK: - Style

    static let css = """
    :root { --fg: #1d2329; --dim: #5f6b76; --rule: #dde3e8; --bg: #ffffff; --panel: #f6f8fa; }
    * { box-sizing: border-box; }
    body { margin: 0; color: var(--fg); background: var(--bg);
      font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; }
    header, main { max-width: 1200px; margin: 0 auto; padding: 0 24px; }
    header { padding-top: 24px; border-bottom: 1px solid var(--rule); }
    h1 { font-size: 26px; margin: 0 0 4px; }
    h2 { font-size: 20px; margin: 32px 0 12px; padding-bottom: 4px; border-bottom: 1px solid var(--rule); }
    h3 { font-size: 16px; margin: 20px 0 6px; }
    .meta, .note, .dim, figcaption { color: var(--dim); }
    .note { font-size: 13px; }
    .empty { color: var(--dim); font-style: italic; }
    nav { margin: 8px 0 12px; display: flex; flex-wrap: wrap; gap: 16px; font-size: 14px; }
    nav a { color: #0b62a4; text-decoration: none; }
    figure { margin: 0 0 16px; }
    /* Narrow screens scroll wide charts and tables inside their box, not the page. */
    .scroll { overflow-x: auto; }
    .scroll > svg.stage-chart { min-width: 640px; }
    .scroll > table { min-width: 600px; }
    figcaption { font-size: 13px; margin-bottom: 4px; }
    svg { display: block; width: 100%; height: auto; }
    svg text { font-family: inherit; }
    .stage-chart .tick, .pr-chart .tick { font-size: 11px; fill: var(--dim); }
    .stage-chart .grid, .pr-chart .grid { stroke: var(--rule); stroke-width: 1; }
    .stage-chart .bar-name { font-size: 13px; font-weight: 600; fill: var(--fg); }
    .stage-chart .bar-total { font-size: 12px; fill: var(--fg); }
    .stage-chart .segment-label { font-size: 11px; pointer-events: none; }
    .stage-segment, .stage-other { stroke: #ffffff; stroke-width: 1; }
    .stage-segment:hover, .stage-other:hover { opacity: 0.8; }
    .legend { list-style: none; padding: 0; margin: 8px 0; display: flex; flex-wrap: wrap; gap: 6px 18px; font-size: 13px; }
    .swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin-right: 6px; vertical-align: -1px; }
    table { border-collapse: collapse; margin: 8px 0 16px; font-size: 14px; width: 100%; }
    th, td { padding: 4px 10px; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: top; }
    thead th { border-bottom: 2px solid var(--rule); font-weight: 600; white-space: nowrap; }
    .num { text-align: right; font-variant-numeric: tabular-nums; }
    .ref { background: var(--panel); color: var(--dim); }
    .total-row td { font-weight: 600; }
    .share { display: inline-block; width: 80px; height: 8px; background: var(--panel); margin-right: 8px; border-radius: 2px; overflow: hidden; }
    .share-bar { display: block; height: 100%; background: #0072b2; }
    .pr-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 16px; }
    .pr-chart .plot-area { fill: #ffffff; stroke: #9aa5b1; }
    .pr-chart .pr-line { stroke-width: 2; stroke-linejoin: round; }
    .pr-chart .axis-title { font-size: 12px; fill: var(--dim); }
    .pr-chart .legend-box { fill: rgba(255, 255, 255, 0.9); stroke: var(--rule); }
    .pr-chart .legend-text { font-size: 11px; fill: var(--fg); }
    .gallery-item { border: 1px solid var(--rule); border-radius: 4px; padding: 10px; background: var(--panel); }
    .panels { display: flex; flex-wrap: wrap; gap: 10px; }
    .panel { flex: 1 1 220px; min-width: 0; }
    .panel-title { font-size: 13px; font-weight: 600; margin-bottom: 2px; }
    .gallery-panel { background: #000000; }
    .box-label { paint-order: stroke; stroke: rgba(255, 255, 255, 0.9); font-weight: 600; }
    ul.model { color: var(--dim); font-size: 13px; margin: 4px 0 8px; padding-left: 18px; }
    pre.config { background: var(--panel); border: 1px solid var(--rule); border-radius: 4px; padding: 10px 12px;
      font: 13px/1.45 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; overflow: auto; max-height: 420px; }
    @media (max-width: 640px) { header, main { padding: 0 12px; } .panel { flex-basis: 100%; } }

    """
}
