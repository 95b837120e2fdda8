import Boxes
import Foundation
import Imaging
@testable import Report
import XCTest

final class HTMLReportTests: XCTestCase {
    /// A small synthetic input whose every count is known.
    func syntheticInput(name: String = "rcnn", configuration: String = "a: 1") throws -> ReportInput {
        let image = Image(width: 64, height: 48, fill: (200, 40, 40))
        let item = try GalleryItem(name: "red.jpg", image: image, maxLongerSide: 32,
                                   groundTruth: [LabeledBox(box: Box(x1: 4, y1: 4, x2: 30, y2: 20), className: "cat")],
                                   detections: [PipelineDetections(pipeline: name, boxes: [
                                       LabeledBox(box: Box(x1: 5, y1: 4, x2: 31, y2: 21), className: "cat", score: 0.9),
                                       LabeledBox(box: Box(x1: 40, y1: 30, x2: 60, y2: 46), className: "dog", score: 0.2),
                                   ])])
        return ReportInput(
            title: "T", generatedAt: Date(timeIntervalSince1970: 0), machine: "m",
            pipelines: [
                PipelineSummary(name: name, runID: 1, images: 1,
                                stages: [StageTiming(stage: "a", meanMs: 900, medianMs: 880),
                                         StageTiming(stage: "b", meanMs: 100, medianMs: 99)],
                                ap50: 0.5, perClassAP: [ClassAP(className: "cat", ap: 1)], configuration: configuration),
                PipelineSummary(name: "faster-rcnn", runID: 2, images: 1,
                                stages: [StageTiming(stage: "b", meanMs: 10, medianMs: 10)]),
            ],
            prCurves: [PRCurveSeries(pipeline: name, className: "cat", recall: [0.5, 1], precision: [1, 1], ap: 1)],
            gallery: [item])
    }

    func testHostileNamesAndConfigurationAreEscaped() throws {
        let evil = "<script>alert('x')</script>"
        let html = HTMLReport.render(try syntheticInput(name: evil, configuration: "k: \"</pre><img src=x onerror=alert(1)>\" & more"))
        XCTAssertFalse(html.contains("<script"), "a pipeline name must not become markup")
        XCTAssertFalse(html.contains("<img"))
        XCTAssertTrue(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
        XCTAssertTrue(html.contains("k: &quot;&lt;/pre&gt;&lt;img src=x onerror=alert(1)&gt;&quot; &amp; more"))
        XCTAssertEqual(HTMLText.escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&#39;")
    }

    func testSameInputSameBytesAndNoExternalReferences() throws {
        let input = try syntheticInput()
        let a = HTMLReport.render(input), b = HTMLReport.render(input)
        XCTAssertEqual(a, b)
        for forbidden in ["http://", "https://", "src=\"//", "<link", "<script", "url("] {
            XCTAssertFalse(a.contains(forbidden), "report must not reference \(forbidden)")
        }
        XCTAssertTrue(a.contains("Generated 1970-01-01 00:00:00 UTC"))
    }

    func testStructureMatchesInput() throws {
        let html = HTMLReport.render(try syntheticInput())
        // Two charts (ms and share), three stage segments each.
        XCTAssertEqual(occurrences(of: "class=\"stage-segment\"", in: html), 6)
        XCTAssertEqual(occurrences(of: "class=\"pr-chart\"", in: html), 1)
        XCTAssertEqual(occurrences(of: "class=\"pr-line\"", in: html), 1)
        XCTAssertEqual(occurrences(of: "class=\"gt-box\"", in: html), 1)
        // The 0.2 dog is below the default 0.5 threshold and is not drawn.
        XCTAssertEqual(occurrences(of: "class=\"det-box\"", in: html), 1)
        XCTAssertEqual(occurrences(of: "class=\"gallery-panel\"", in: html), 2)
        // Shared stage "b" has one colour in both bars.
        let bColours = Set(matches(#"data-stage="b" [^>]*fill="(#[0-9a-f]{6})""#, in: html))
        XCTAssertEqual(bColours.count, 1)
        // Reference rows for the two classic pipelines not run here still appear.
        XCTAssertTrue(html.contains("data-pipeline=\"fast-rcnn\""))
        XCTAssertEqual(occurrences(of: "class=\"summary-row", in: html), 3)
        // faster-rcnn: 1000 ms / 10 ms; reference 50 s / 0.2 s.
        XCTAssertTrue(html.contains(">100×<"))
        XCTAssertTrue(html.contains(">250×<"))
    }

    func testMillisecondBarsAreProportionalToTotals() throws {
        let html = HTMLReport.render(try syntheticInput())
        let chart = try XCTUnwrap(html.range(of: "<svg id=\"stage-chart\"").flatMap { r in
            html[r.lowerBound...].range(of: "</svg>").map { String(html[r.lowerBound..<$0.upperBound]) } })
        let widths = matches(#"class="stage-segment" [^>]*width="([0-9.]+)""#, in: chart).compactMap(Double.init)
        XCTAssertEqual(widths.count, 3)
        let plot = StageChart.width - StageChart.labelWidth - StageChart.totalLabelWidth
        XCTAssertEqual(widths[0] + widths[1], plot, accuracy: 0.02)
        XCTAssertEqual(widths[0] / widths[1], 9, accuracy: 0.01)
        // 10 ms of 1000 would be 6.8 px; exact, above the 3 px floor.
        XCTAssertEqual(widths[2], plot * 10 / 1000, accuracy: 0.02)
    }

    func testTimeOutsideStagesIsShownNotHidden() {
        let p = PipelineSummary(name: "rcnn", images: 1, stages: [StageTiming(stage: "a", meanMs: 80, medianMs: 80)], totalMs: 100)
        XCTAssertEqual(StageChart.unaccounted(p), 20)
        let html = HTMLReport.render(ReportInput(title: "t", generatedAt: Date(timeIntervalSince1970: 0), machine: "",
                                                 pipelines: [p]))
        // One grey segment per chart, and a legend entry for it.
        XCTAssertEqual(occurrences(of: "class=\"stage-other\"", in: html), 2)
        XCTAssertTrue(html.contains("other (between stages)</li>"))
        XCTAssertTrue(html.contains("(20.0% of total)"))
        // Under half a percent is rounding noise, not a segment.
        let tight = PipelineSummary(name: "x", images: 1, stages: [StageTiming(stage: "a", meanMs: 999.9, medianMs: 1)], totalMs: 1000)
        XCTAssertEqual(StageChart.unaccounted(tight), 0)
    }

    func testTinyStagesGetASliverWithoutLengtheningTheBar() {
        let w = StageChart.segmentWidths([1000, 1, 0], length: 100)
        XCTAssertEqual(w[0], 97, accuracy: 1e-9)
        XCTAssertEqual(w[1], StageChart.minimumSegment)
        XCTAssertEqual(w[2], 0)
        XCTAssertEqual(w.reduce(0, +), 100, accuracy: 1e-9)
        // Nothing small: exact proportions.
        XCTAssertEqual(StageChart.segmentWidths([3, 1], length: 100), [75, 25])
    }

    func testGalleryEmbedsTheThumbnailAndKeepsOriginalCoordinates() throws {
        let html = HTMLReport.render(try syntheticInput())
        let uris = matches(#"href="data:image/jpeg;base64,([A-Za-z0-9+/=]+)""#, in: html)
        XCTAssertEqual(uris.count, 2)
        let bytes = try XCTUnwrap(Data(base64Encoded: uris[0]))
        let decoded = try JPEG.decode(data: bytes)
        XCTAssertEqual(decoded.width, 32)
        XCTAssertEqual(decoded.height, 24)
        // Stretched back to the 64x48 space the boxes are in.
        XCTAssertTrue(html.contains("viewBox=\"0 0 64 48\""))
        XCTAssertTrue(html.contains("width=\"64\" height=\"48\" preserveAspectRatio=\"none\""))
        XCTAssertEqual(decoded[0, 12, 16], 200, accuracy: 12)
        XCTAssertEqual(decoded[1, 12, 16], 40, accuracy: 12)
    }

    func testLabelsNearTheRightEdgeEndAtTheBox() throws {
        var input = try syntheticInput()
        input.gallery[0].groundTruth = [LabeledBox(box: Box(x1: 50, y1: 20, x2: 64, y2: 40), className: "Platelets")]
        let html = HTMLReport.render(input)
        let label = try XCTUnwrap(matches(#"<text class="box-label" x="([0-9.]+)" y="[0-9.]+" font-size="[0-9.]+" text-anchor="end""#, in: html).first)
        // Ends at the box's right side less the stroke (1.5 px for a 64-px-wide image).
        XCTAssertEqual(Double(label) ?? 0, 64 - 1.5, accuracy: 0.01)
    }

    func testThumbnailKeepsAspectAndCapsTheLongerSide() {
        let big = Image(width: 2000, height: 1000, fill: (10, 20, 30))
        let small = GalleryItem.shrunk(big, maxLongerSide: 480)
        XCTAssertEqual(small.width, 480)
        XCTAssertEqual(small.height, 240)
        let unchanged = GalleryItem.shrunk(Image(width: 100, height: 50), maxLongerSide: 480)
        XCTAssertEqual(unchanged.width, 100)
        // A one-pixel checkerboard shrunk 8x must come out mid-grey, not a sample of it.
        var pixels = [Float](repeating: 0, count: 3 * 64 * 64)
        for c in 0..<3 { for y in 0..<64 { for x in 0..<64 where (x + y) % 2 == 0 { pixels[(c * 64 + y) * 64 + x] = 255 } } }
        let grey = GalleryItem.shrunk(Image(width: 64, height: 64, pixels: pixels), maxLongerSide: 8)
        XCTAssertEqual(grey.width, 8)
        for v in grey.pixels { XCTAssertEqual(v, 127.5, accuracy: 20) }
    }

    func testPRPathDropsDuplicatePixelsOnly() {
        let n = 5000
        let recall = (0..<n).map { Double($0 / 1000) / 5 }
        let precision = [Double](repeating: 1, count: n)
        let path = PRChart.pixelPath(recall: recall, precision: precision, px: { $0 * 100 }, py: { 100 - $0 * 100 })
        XCTAssertEqual(path.count, 5)
        XCTAssertEqual(path.map(\.0), [0, 20, 40, 60, 80])
    }

    func testEmptyInputRendersExplanations() {
        let html = HTMLReport.render(ReportInput(title: "empty", generatedAt: Date(timeIntervalSince1970: 0),
                                                 machine: "", pipelines: []))
        XCTAssertTrue(html.contains("No timed runs."))
        XCTAssertTrue(html.contains("No sample images."))
        XCTAssertFalse(html.contains("class=\"stage-segment\""))
        // The classic reference figures are still shown.
        XCTAssertEqual(occurrences(of: "reference-only", in: html), 3)
    }

    func testWriteIsTheRenderedReportAndFailuresNameThePath() throws {
        let input = try syntheticInput()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("report-write-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("r.html").path
        try HTMLReport.write(input, to: path)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), HTMLReport.render(input))
        let bad = dir.appendingPathComponent("missing/r.html").path
        XCTAssertThrowsError(try HTMLReport.write(input, to: bad)) { error in
            guard case .writeFailed(let p, _)? = error as? ReportError else { return XCTFail("\(error)") }
            XCTAssertEqual(p, bad)
        }
    }

    func testFormatting() {
        XCTAssertEqual(HTMLText.ms(12345.4), "12\u{2009}345")
        XCTAssertEqual(HTMLText.ms(12.34), "12.3")
        XCTAssertEqual(HTMLText.ms(1.234), "1.23")
        XCTAssertEqual(HTMLText.num(10.0), "10")
        XCTAssertEqual(HTMLText.num(10.5), "10.5")
        XCTAssertEqual(HTMLText.num(0.126), "0.13")
        XCTAssertEqual(HTMLText.slug("Fast R-CNN / v2"), "fast-r-cnn-v2")
        XCTAssertEqual(Palette.label(on: "#0072b2"), "#ffffff")
        XCTAssertEqual(Palette.label(on: "#e69f00"), "#111111")
        XCTAssertEqual(StageChart.niceStep(7300), 10000)
        XCTAssertEqual(StageChart.niceStep(1500), 2000)
    }
}

func matches(_ pattern: String, in text: String) -> [String] {
    guard let re = try? NSRegularExpression(pattern: pattern) else { return [] }
    let ns = text as NSString
    return re.matches(in: text, range: NSRange(location: 0, length: ns.length)).map {
        $0.numberOfRanges > 1 ? ns.substring(with: $0.range(at: 1)) : ns.substring(with: $0.range)
    }
}
