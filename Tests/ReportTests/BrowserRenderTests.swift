import Foundation
import Report
import XCTest

/// Opens the report in real headless Chromium: it must load without console
/// errors, lay out every chart element with a non-zero size, decode every
/// embedded picture, and produce a screenshot with something on it.
final class BrowserRenderTests: XCTestCase {
    static let candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome",
                             "/usr/bin/google-chrome-stable"]

    func browser() throws -> String {
        if let env = ProcessInfo.processInfo.environment["CHROMIUM"], FileManager.default.isExecutableFile(atPath: env) {
            return env
        }
        guard let found = Self.candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("no headless browser installed (looked for \(Self.candidates.joined(separator: ", ")) "
                          + "and $CHROMIUM); install Debian's `chromium` package, as scripts/bootstrap does, to run this test")
        }
        return found
    }

    struct BrowserRun { var status: Int32; var stdout: String; var stderr: String; var timedOut: Bool }

    /// Runs the browser with a private profile, killing it after `timeout` seconds.
    func runBrowser(_ binary: String, _ args: [String], workDir: URL, timeout: TimeInterval = 60) throws -> BrowserRun {
        let profile = workDir.appendingPathComponent("profile-\(UUID().uuidString)")
        let outURL = workDir.appendingPathComponent("out-\(UUID().uuidString).txt")
        let errURL = workDir.appendingPathComponent("err-\(UUID().uuidString).txt")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        // Root (CI containers) needs --no-sandbox; no GPU, extensions or first-run UI here.
        p.arguments = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-extensions",
                       "--no-first-run", "--no-default-browser-check", "--hide-scrollbars",
                       // Containers often have a tiny /dev/shm, which crashes renderers.
                       "--disable-dev-shm-usage",
                       "--user-data-dir=\(profile.path)", "--enable-logging=stderr", "--v=0"] + args
        p.standardOutput = out
        p.standardError = err
        // CI runners may have no (writable) home; Chromium wants one for its caches.
        var environment = ProcessInfo.processInfo.environment
        if !FileManager.default.isWritableFile(atPath: environment["HOME"] ?? "/nonexistent") {
            environment["HOME"] = workDir.path
        }
        p.environment = environment
        try p.run()
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        while p.isRunning {
            if Date() > deadline {
                timedOut = true
                p.terminate()
                // A wedged browser can ignore SIGTERM; do not let it hang the suite.
                let grace = Date().addingTimeInterval(5)
                while p.isRunning && Date() < grace { Thread.sleep(forTimeInterval: 0.1) }
                if p.isRunning { kill(p.processIdentifier, SIGKILL) }
                break
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        p.waitUntilExit()
        try out.close(); try err.close()
        let stdout = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(at: profile)
        return BrowserRun(status: p.terminationStatus, stdout: stdout, stderr: stderr, timedOut: timedOut)
    }

    /// Console output and script errors; Chromium's own dbus/GPU chatter is not the page's.
    func pageErrors(_ stderr: String) -> [String] {
        stderr.split(separator: "\n").map(String.init).filter {
            $0.contains("CONSOLE") || $0.contains("Uncaught") || $0.contains("Failed to load resource")
        }
    }

    func testReportRendersInHeadlessChromium() throws {
        let binary = try browser()
        let fixture = try ReportFixture.load()
        let html = HTMLReport.render(fixture.input)
        for forbidden in ["http://", "https://", "src=\"//", "<link", "<script src", "<script"] {
            XCTAssertFalse(html.contains(forbidden), "report must not contain \(forbidden)")
        }

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("report-browser-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let reportURL = dir.appendingPathComponent("report.html")
        try html.write(to: reportURL, atomically: true, encoding: .utf8)

        // 1. The page as shipped: loads, no console messages, DOM as expected.
        let plain = try runBrowser(binary, ["--dump-dom", reportURL.absoluteString], workDir: dir)
        XCTAssertFalse(plain.timedOut, "chromium did not finish within 60 s")
        XCTAssertEqual(plain.status, 0, "chromium failed:\n\(plain.stderr.suffix(2000))")
        XCTAssertEqual(pageErrors(plain.stderr), [])
        let dom = plain.stdout
        let pipelines = fixture.input.pipelines
        let stageCount = pipelines.reduce(0) { $0 + $1.stages.count }
        XCTAssertTrue(dom.contains("<svg id=\"stage-chart\""))
        XCTAssertTrue(dom.contains("<svg id=\"stage-share-chart\""))
        XCTAssertEqual(occurrences(of: "class=\"stage-segment\"", in: dom), 2 * stageCount)
        XCTAssertEqual(occurrences(of: "class=\"pr-chart\"", in: dom), ReportFixture.classNames.count)
        for c in ["rbc", "wbc", "platelets"] { XCTAssertTrue(dom.contains("id=\"pr-\(c)\""), "missing PR chart for \(c)") }
        XCTAssertEqual(occurrences(of: "class=\"gt-box\"", in: dom), fixture.groundTruthCounts.reduce(0, +))
        XCTAssertEqual(occurrences(of: "class=\"det-box\"", in: dom),
                       fixture.drawnDetectionCounts.flatMap { $0 }.reduce(0, +))
        XCTAssertEqual(occurrences(of: "<pre class=\"config\">", in: dom), pipelines.count)

        // 2. The same page with a probe script appended (test copy only): what the
        // layout engine actually made of it.
        // Copies of the pictures as <img> elements delay the load event until they
        // are decoded, so the checks run once, synchronously, before --dump-dom reads
        // the DOM (an async decode() could finish after the dump).
        let probe = """
        <script>
        const all = s => Array.from(document.querySelectorAll(s));
        const size = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
        const images = all('svg.gallery-panel image');
        const copies = images.map(im => {
          const copy = document.createElement('img');
          copy.style.display = 'none';
          copy.src = im.getAttribute('href');
          document.body.appendChild(copy);
          return copy;
        });
        window.addEventListener('load', () => {
          const result = {
            segments: all('#stage-chart rect.stage-segment').filter(size).length,
            shareSegments: all('#stage-share-chart rect.stage-segment').filter(size).length,
            prCharts: all('svg.pr-chart').filter(size).length,
            prLines: all('polyline.pr-line').filter(e => e.getTotalLength() > 0).length,
            gtBoxes: all('rect.gt-box').filter(size).length,
            detBoxes: all('rect.det-box').filter(size).length,
            images: images.length,
            decoded: copies.filter(c => c.complete && c.naturalWidth > 0).length,
            panelsWide: all('svg.gallery-panel').filter(e => e.getBoundingClientRect().width >= 150).length,
            pageWidth: document.documentElement.scrollWidth, viewport: window.innerWidth
          };
          document.body.setAttribute('data-probe', JSON.stringify(result));
        });
        </script>
        """
        let probeURL = dir.appendingPathComponent("probe.html")
        try html.replacingOccurrences(of: "</body>", with: probe + "\n</body>")
            .write(to: probeURL, atomically: true, encoding: .utf8)
        func probeAt(_ window: String) throws -> [String: Int] {
            let probed = try runBrowser(binary, ["--window-size=\(window)", "--dump-dom", probeURL.absoluteString], workDir: dir)
            XCTAssertEqual(pageErrors(probed.stderr), [])
            let json = try XCTUnwrap(matches(#"data-probe="([^"]*)""#, in: probed.stdout).first,
                                     "probe script did not run:\n\(probed.stderr.suffix(2000))")
            let unescaped = json.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
            return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(unescaped.utf8)) as? [String: Int])
        }
        let result = try probeAt("1200,2000")
        XCTAssertEqual(result["segments"], stageCount)
        XCTAssertEqual(result["shareSegments"], stageCount)
        XCTAssertEqual(result["prCharts"], ReportFixture.classNames.count)
        XCTAssertEqual(result["prLines"], fixture.input.prCurves.filter { !$0.recall.isEmpty }.count)
        XCTAssertEqual(result["gtBoxes"], fixture.groundTruthCounts.reduce(0, +))
        XCTAssertEqual(result["detBoxes"], fixture.drawnDetectionCounts.flatMap { $0 }.reduce(0, +))
        XCTAssertEqual(result["images"], fixture.input.gallery.count * (1 + pipelines.count))
        XCTAssertEqual(result["decoded"], result["images"], "some embedded JPEGs did not decode")
        XCTAssertEqual(result["panelsWide"], result["images"])
        XCTAssertLessThanOrEqual(result["pageWidth"] ?? .max, result["viewport"] ?? 0, "page scrolls sideways")
        // A phone-sized window: wide charts and tables scroll in their boxes, the page does not.
        let narrow = try probeAt("420,1600")
        XCTAssertEqual(narrow["segments"], stageCount)
        XCTAssertLessThanOrEqual(narrow["pageWidth"] ?? .max, narrow["viewport"] ?? 0, "page scrolls sideways at 420 px")

        // 3. A screenshot with real content.
        let shot = dir.appendingPathComponent("report.png")
        let shotRun = try runBrowser(binary, ["--screenshot=\(shot.path)", "--window-size=1200,2000",
                                              reportURL.absoluteString], workDir: dir)
        XCTAssertFalse(shotRun.timedOut)
        let png = try Data(contentsOf: shot)
        XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "not a PNG")
        XCTAssertGreaterThan(png.count, 60_000, "screenshot is suspiciously small (blank page?)")
        let width = png[16..<20].reduce(0) { $0 << 8 | Int($1) }, height = png[20..<24].reduce(0) { $0 << 8 | Int($1) }
        XCTAssertEqual(width, 1200)
        XCTAssertEqual(height, 2000)
        if let keep = ProcessInfo.processInfo.environment["REPORT_TEST_KEEP"] {
            try? FileManager.default.removeItem(atPath: keep + ".png")
            try? FileManager.default.removeItem(atPath: keep + ".html")
            try FileManager.default.copyItem(at: shot, to: URL(fileURLWithPath: keep + ".png"))
            try FileManager.default.copyItem(at: reportURL, to: URL(fileURLWithPath: keep + ".html"))
        }
    }
}
