import Boxes
import Evaluation
import Foundation
import Imaging

/// Turns stored runs (stage samples, detections, ground truth) into a `ReportInput`:
/// means and medians, speed-up over R-CNN, VOC AP50 and PR curves per class, and a
/// gallery of the first (annotated) images every run finished. The CLI only has to
/// read the store; everything computed for the report is computed here.
public struct ReportAssembler {
    public var title: String
    public var machine: String
    public var generatedAt: Date
    /// Category id → class name, in display order.
    public var categories: [(id: Int64, name: String)]
    public var gallerySize: Int
    public var thumbnailSide: Int
    public var galleryMinimumScore: Float

    public init(title: String, machine: String, generatedAt: Date, categories: [(id: Int64, name: String)],
                gallerySize: Int = 4, thumbnailSide: Int = 480, galleryMinimumScore: Float = 0.5) {
        self.title = title; self.machine = machine; self.generatedAt = generatedAt; self.categories = categories
        self.gallerySize = gallerySize; self.thumbnailSide = thumbnailSide; self.galleryMinimumScore = galleryMinimumScore
    }

    public func assemble(runs: [RunMeasurements], images: [ReportImage]) throws -> ReportInput {
        guard !runs.isEmpty else { throw ReportError.noRuns }
        let byID = Dictionary(images.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let names = Dictionary(categories.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        func name(_ id: Int64) -> String { names[id] ?? "class \(id)" }

        var summaries: [PipelineSummary] = []
        var curves: [PRCurveSeries] = []
        for run in runs {
            let stages = run.stageSamples.map {
                StageTiming(stage: $0.stage, meanMs: Self.mean($0.ms), medianMs: Self.median($0.ms))
            }
            let total = run.totalSamples.map(Self.mean) ?? stages.reduce(0) { $0 + $1.meanMs }
            let runImages = Set(run.imageIDs)
            let gt = run.imageIDs.flatMap { byID[$0]?.groundTruth ?? [] }
            var ap50: Double?
            var perClass: [ClassAP] = []
            // AP only means something when the run's images were annotated.
            if !gt.isEmpty {
                let dets = run.detections.filter { runImages.contains($0.imageID) }
                let ids = Self.categoryOrder(known: categories.map(\.id), gt: gt, detections: dets)
                let result = VOCEvaluator.evaluate(groundTruth: gt, detections: dets, categoryIDs: ids,
                                                   method: .area, iouThreshold: 0.5)
                ap50 = result.mAP
                for r in result.perClass {
                    perClass.append(ClassAP(className: name(r.categoryID), ap: r.ap))
                    if r.positives > 0 || r.detections > 0 {
                        curves.append(PRCurveSeries(pipeline: run.pipeline, className: name(r.categoryID), curve: r.curve, ap: r.ap))
                    }
                }
            }
            var summary = PipelineSummary(name: run.pipeline, architecture: run.architecture, runID: run.runID, images: run.imageIDs.count,
                                          stages: stages, totalMs: total, ap50: ap50, perClassAP: perClass,
                                          configuration: run.configuration)
            summary.model = run.model
            summaries.append(summary)
        }
        // The slowest R-CNN-architecture run is the baseline (none: no speed-ups).
        if let rcnn = summaries.filter({ $0.architecture == "rcnn" && $0.totalMs > 0 }).max(by: { $0.totalMs < $1.totalMs }) {
            for i in summaries.indices where summaries[i].totalMs > 0 {
                summaries[i].speedupOverRCNN = rcnn.totalMs / summaries[i].totalMs
            }
        }

        // Sample images: finished by every run, in the first run's order, annotated
        // ones only unless there are none (a folder run still shows its detections).
        let common = runs.dropFirst().reduce(Set(runs[0].imageIDs)) { $0.intersection($1.imageIDs) }
        let shared = runs[0].imageIDs.filter { common.contains($0) && byID[$0] != nil }
        let annotated = shared.filter { !(byID[$0]?.groundTruth.isEmpty ?? true) }
        let samples = (annotated.isEmpty ? shared : annotated).prefix(max(0, gallerySize))
        var gallery: [GalleryItem] = []
        for id in samples {
            guard let image = byID[id] else { continue }
            let picture: Image
            do {
                // A reduced DCT decode is enough for a thumbnail and much faster on big photos.
                picture = try JPEG.decode(path: image.path, minimumSize: (thumbnailSide, thumbnailSide))
            } catch {
                throw ReportError.unreadableImage(path: image.path, reason: "\(error)")
            }
            // Boxes are in the stored size; a reduced decode is stretched back to it by the SVG.
            let gt = image.groundTruth.map { LabeledBox(box: $0.box, className: name($0.categoryID)) }
            let dets = runs.map { run in
                PipelineDetections(pipeline: run.pipeline, boxes: run.detections.filter { $0.imageID == id }
                    .sorted { $0.score > $1.score }
                    .map { LabeledBox(box: $0.box, className: name($0.categoryID), score: $0.score) })
            }
            let thumb = try GalleryItem(name: URL(fileURLWithPath: image.path).lastPathComponent, image: picture,
                                        maxLongerSide: thumbnailSide, groundTruth: gt, detections: dets,
                                        minimumScore: galleryMinimumScore)
            var item = thumb
            item.width = image.width
            item.height = image.height
            gallery.append(item)
        }

        return ReportInput(title: title, generatedAt: generatedAt, machine: machine, pipelines: summaries,
                           prCurves: curves, gallery: gallery, classNames: categories.map(\.name))
    }

    /// Known categories first (display order), then any other id met, ascending.
    static func categoryOrder(known: [Int64], gt: [GroundTruthBox], detections: [ScoredDetection]) -> [Int64] {
        let knownSet = Set(known)
        let extra = Set(gt.map(\.categoryID)).union(detections.map(\.categoryID)).subtracting(knownSet).sorted()
        let present = Set(gt.map(\.categoryID)).union(detections.map(\.categoryID))
        return known.filter { present.contains($0) } + extra
    }

    static func mean(_ v: [Double]) -> Double { v.isEmpty ? 0 : v.reduce(0, +) / Double(v.count) }

    static func median(_ v: [Double]) -> Double {
        guard !v.isEmpty else { return 0 }
        let s = v.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}
