import Boxes
import Evaluation
import Foundation
import Imaging
import Randomness
import Report
import XCTest

/// A report built from real BCCD pictures and annotations, with detections made
/// by jittering the ground truth (each pipeline more or less sloppy) so the PR
/// curves and APs come out of `VOCEvaluator` like they would for a real run.
struct ReportFixture {
    static let classNames = ["RBC", "WBC", "Platelets"]
    static let pipelines = ["rcnn", "fast-rcnn", "faster-rcnn"]

    var input: ReportInput
    /// Per image, the ground-truth count and per pipeline the detections drawn (score ≥ the gallery's threshold).
    var groundTruthCounts: [Int]
    var drawnDetectionCounts: [[Int]]
    var originalSizes: [(width: Int, height: Int)]

    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static var datasetRoot: URL { packageRoot.appendingPathComponent("datasets/bccd").standardizedFileURL }

    static func load(imageNames: [String] = ["BloodImage_00007", "BloodImage_00011"]) throws -> ReportFixture {
        let root = datasetRoot
        guard FileManager.default.fileExists(atPath: root.appendingPathComponent("images").path) else {
            throw NSError(domain: "BCCD dataset not found at \(root.path) (datasets/bccd belongs to the repository)", code: 1)
        }
        var gallery: [GalleryItem] = []
        var groundTruth: [GroundTruthBox] = []
        var detections: [String: [ScoredDetection]] = [:]
        var gtCounts: [Int] = [], drawn: [[Int]] = [], sizes: [(Int, Int)] = []
        var rng = SeededGenerator(seed: 2015)
        for (imageIndex, name) in imageNames.enumerated() {
            let image = try JPEG.decode(path: root.appendingPathComponent("images/\(name).jpg").path)
            let objects = try parseVOC(root.appendingPathComponent("annotations/\(name).xml"))
            let gt = objects.map { LabeledBox(box: $0.box, className: $0.name) }
            for o in objects {
                groundTruth.append(GroundTruthBox(imageID: Int64(imageIndex), categoryID: categoryID(o.name), box: o.box))
            }
            var perPipeline: [PipelineDetections] = []
            var drawnHere: [Int] = []
            for (level, pipeline) in pipelines.enumerated() {
                // Older pipelines: larger localisation error, more misses and false positives.
                let jitter = [0.12, 0.07, 0.04][level]
                let missRate = [0.3, 0.18, 0.1][level]
                let falsePositives = [6, 4, 2][level]
                var boxes: [LabeledBox] = []
                for o in objects where rng.nextUniform() >= missRate {
                    let w = Double(o.box.width), h = Double(o.box.height)
                    let b = Box(x1: Float(Double(o.box.x1) + rng.nextGaussian(std: jitter * w)),
                                y1: Float(Double(o.box.y1) + rng.nextGaussian(std: jitter * h)),
                                x2: Float(Double(o.box.x2) + rng.nextGaussian(std: jitter * w)),
                                y2: Float(Double(o.box.y2) + rng.nextGaussian(std: jitter * h)))
                    let score = Float(min(0.99, max(0.05, 0.97 - rng.nextUniform() * (0.35 + jitter * 3))))
                    boxes.append(LabeledBox(box: b, className: o.name, score: score))
                }
                for _ in 0..<falsePositives {
                    let x = Float(rng.nextUniform() * Double(image.width - 60)), y = Float(rng.nextUniform() * Double(image.height - 60))
                    let cls = classNames[rng.next(below: classNames.count)]
                    let score = Float(0.1 + rng.nextUniform() * 0.75)
                    boxes.append(LabeledBox(box: Box(x1: x, y1: y, x2: x + 50, y2: y + 45), className: cls, score: score))
                }
                for b in boxes {
                    detections[pipeline, default: []].append(
                        ScoredDetection(imageID: Int64(imageIndex), categoryID: categoryID(b.className), box: b.box, score: b.score!))
                }
                perPipeline.append(PipelineDetections(pipeline: pipeline, boxes: boxes))
                drawnHere.append(boxes.filter { $0.score! >= 0.5 }.count)
            }
            gallery.append(try GalleryItem(name: name, image: image, maxLongerSide: 480, groundTruth: gt,
                                           detections: perPipeline, minimumScore: 0.5))
            gtCounts.append(gt.count)
            drawn.append(drawnHere)
            sizes.append((image.width, image.height))
        }

        var summaries: [PipelineSummary] = []
        var curves: [PRCurveSeries] = []
        let stageSets: [[StageTiming]] = [
            [StageTiming(stage: "selective search", meanMs: 2140, medianMs: 2090),
             StageTiming(stage: "warp regions", meanMs: 310, medianMs: 301),
             StageTiming(stage: "CNN per region", meanMs: 38_200, medianMs: 37_950),
             StageTiming(stage: "SVM scoring", meanMs: 41, medianMs: 40),
             StageTiming(stage: "box regression", meanMs: 12, medianMs: 12),
             StageTiming(stage: "NMS", meanMs: 1.8, medianMs: 1.7)],
            [StageTiming(stage: "selective search", meanMs: 2140, medianMs: 2085),
             StageTiming(stage: "backbone", meanMs: 420, medianMs: 415),
             StageTiming(stage: "RoI pooling", meanMs: 18, medianMs: 17),
             StageTiming(stage: "FC head", meanMs: 95, medianMs: 93),
             StageTiming(stage: "NMS", meanMs: 1.6, medianMs: 1.5)],
            [StageTiming(stage: "backbone", meanMs: 420, medianMs: 417),
             StageTiming(stage: "RPN", meanMs: 35, medianMs: 34),
             StageTiming(stage: "RoI pooling", meanMs: 9, medianMs: 9),
             StageTiming(stage: "FC head", meanMs: 30, medianMs: 29),
             StageTiming(stage: "NMS", meanMs: 1.2, medianMs: 1.1)],
        ]
        let rcnnTotal = stageSets[0].reduce(0) { $0 + $1.meanMs } + 25
        for (i, pipeline) in pipelines.enumerated() {
            let result = VOCEvaluator.evaluate(groundTruth: groundTruth, detections: detections[pipeline] ?? [],
                                               categoryIDs: classNames.map(categoryID), method: .area)
            var perClass: [ClassAP] = []
            for r in result.perClass {
                let cls = classNames[Int(r.categoryID) - 1]
                perClass.append(ClassAP(className: cls, ap: r.ap))
                curves.append(PRCurveSeries(pipeline: pipeline, className: cls, curve: r.curve, ap: r.ap))
            }
            // A few ms of glue on top of the stages, as a real run measures.
            let total = stageSets[i].reduce(0) { $0 + $1.meanMs } + [25, 6, 2][i]
            let yaml = "pipeline: \(pipeline)\nstages:\n" + stageSets[i].map { "  - \($0.stage)" }.joined(separator: "\n")
                + "\nmodel: models/\(pipeline).safetensors\nnote: \"scores < 0.05 & boxes > image are dropped\"\n"
            summaries.append(PipelineSummary(name: pipeline, architecture: pipeline, runID: Int64(11 + i), images: imageNames.count,
                                             stages: stageSets[i], totalMs: total, speedupOverRCNN: rcnnTotal / total,
                                             ap50: result.mAP, perClassAP: perClass, configuration: yaml))
        }
        let input = ReportInput(title: "R-CNN family on BCCD (test fixture)",
                                generatedAt: Date(timeIntervalSince1970: 1_795_000_000),
                                machine: "2-core x86-64 test machine, OpenBLAS",
                                pipelines: summaries, prCurves: curves, gallery: gallery, classNames: classNames)
        return ReportFixture(input: input, groundTruthCounts: gtCounts, drawnDetectionCounts: drawn,
                             originalSizes: sizes)
    }

    static func categoryID(_ name: String) -> Int64 { Int64((classNames.firstIndex(of: name) ?? 0) + 1) }

    /// Just enough of VOC XML for the test: object names and boxes, converted from
    /// 1-based inclusive pixel indices to 0-based continuous coordinates.
    static func parseVOC(_ url: URL) throws -> [(name: String, box: Box)] {
        let text = try String(contentsOf: url, encoding: .utf8)
        func value(_ tag: String, in s: Substring) -> String? {
            guard let a = s.range(of: "<\(tag)>"), let b = s.range(of: "</\(tag)>", range: a.upperBound..<s.endIndex) else { return nil }
            return s[a.upperBound..<b.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var out: [(String, Box)] = []
        var rest = text[...]
        while let start = rest.range(of: "<object>"), let end = rest.range(of: "</object>", range: start.upperBound..<rest.endIndex) {
            let obj = rest[start.upperBound..<end.lowerBound]
            guard let name = value("name", in: obj),
                  let x1 = value("xmin", in: obj).flatMap(Float.init), let y1 = value("ymin", in: obj).flatMap(Float.init),
                  let x2 = value("xmax", in: obj).flatMap(Float.init), let y2 = value("ymax", in: obj).flatMap(Float.init)
            else { throw FixtureError(message: "\(url.path): object without name or bndbox") }
            out.append((name, Box(x1: max(0, x1 - 1), y1: max(0, y1 - 1), x2: x2, y2: y2)))
            rest = rest[end.upperBound...]
        }
        return out
    }
}

/// Counts non-overlapping occurrences of `needle`.
func occurrences(of needle: String, in haystack: String) -> Int {
    haystack.components(separatedBy: needle).count - 1
}

struct FixtureError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
