import Boxes
import Evaluation
import Foundation
import Imaging
import Pipelines
import Report
import Store

/// Reads stored runs (timings, detections, configurations) and, when a dataset is
/// known, their ground truth, and hands them to `ReportAssembler`.
public struct StoreReport {
    public var store: Store
    /// Dataset with the ground truth; nil picks the store's only dataset, if any.
    public var dataset: String?
    public var galleryImages: Int = 4

    public init(store: Store, dataset: String? = nil, galleryImages: Int = 4) {
        self.store = store
        self.dataset = dataset
        self.galleryImages = galleryImages
    }

    public func input(runs: [RunRecord], title: String) throws -> ReportInput {
        guard !runs.isEmpty else { throw ReportError.noRuns }
        let annotations = try groundTruthSet()
        var classNames = annotations?.categories.map(\.name) ?? []
        var stored: [(record: RunRecord, detections: [StoredDetection])] = []
        for r in runs {
            let detections = try store.detections(run: r.id)
            for d in detections where !classNames.contains(d.category) { classNames.append(d.category) }
            stored.append((r, detections))
        }
        let classIndex = Dictionary(uniqueKeysWithValues: classNames.enumerated().map { ($1, Int64($0)) })

        var measurements: [RunMeasurements] = []
        var imageIDs: [Int64] = []
        var seen = Set<Int64>()
        let datasetImages = annotations?.images.compactMap(\.imageID) ?? []
        let labels = PipelineLabel.distinct(stored.map { ($0.record.pipeline, $0.record.model) })
        for (index, (r, runDetections)) in stored.enumerated() {
            // A run's file that shows a dataset image (that image, or its bytes under
            // another path, as `eval` matches them) is reported as the dataset image.
            var asDataset: [Int64: Int64] = [:]
            for (datasetImage, runImage) in try store.runImages(of: r.id, showing: datasetImages) { asDataset[runImage] = datasetImage }
            let ids = try store.runImageIDs(run: r.id).map { asDataset[$0] ?? $0 }
            var detections = runDetections
            for i in detections.indices { detections[i].imageID = asDataset[detections[i].imageID] ?? detections[i].imageID }
            for id in ids where seen.insert(id).inserted { imageIDs.append(id) }
            let timings = try store.stageTimings(run: r.id)
            // Two runs of one pipeline (two models of it) are told apart by their model.
            let label = labels[index] == r.pipeline ? r.pipeline : "\(labels[index]) (run \(r.id))"
            var measured = RunMeasurements(
                pipeline: label, architecture: PipelineArchitecture(stages: timings.map(\.stage))?.rawValue,
                runID: r.id, configuration: r.configuration,
                stageSamples: timings, imageIDs: ids,
                detections: detections.map {
                    ScoredDetection(imageID: $0.imageID, categoryID: classIndex[$0.category]!, box: $0.box, score: $0.score)
                })
            measured.model = Self.modelLines(r.model)
            measurements.append(measured)
        }

        // Dataset images carry their size and boxes; other images (a folder run) only
        // need a size for the gallery, read from the file's header.
        var byID: [Int64: ReportImage] = [:]
        for image in annotations?.images ?? [] {
            guard let id = image.imageID, seen.contains(id) else { continue }
            let gt = image.objects.compactMap { o in
                classIndex[o.category].map {
                    GroundTruthBox(imageID: id, categoryID: $0, box: o.box, difficult: o.difficult, isCrowd: o.iscrowd, area: o.area)
                }
            }
            byID[id] = ReportImage(id: id, path: image.path, width: image.width, height: image.height, groundTruth: gt)
        }
        for id in imageIDs where byID[id] == nil {
            guard let path = try store.imagePath(id) else { continue }
            // A stored path may now name anything (a device, a FIFO, a moved file):
            // left out of the gallery with a word, the report still written.
            do {
                let header = try JPEGHeader.read(path: path)
                byID[id] = ReportImage(id: id, path: path, width: header.width, height: header.height, groundTruth: [])
            } catch {
                printError("gallery: skipping \(error)")
            }
        }

        let assembler = ReportAssembler(title: title, machine: MachineDescription.current, generatedAt: Date(),
                                        categories: classNames.enumerated().map { (Int64($0), $1) },
                                        gallerySize: galleryImages)
        return try assembler.assemble(runs: measurements, images: imageIDs.compactMap { byID[$0] })
    }

    /// The chosen dataset's annotations; nil when none was named and the store has
    /// not exactly one (the report then shows timings and detections only).
    public func groundTruthSet() throws -> AnnotationSet? {
        if let dataset { return try store.loadAnnotations(dataset: dataset) }
        let names = try store.datasetNames()
        guard names.count == 1 else {
            if names.count > 1 {
                printError("note: several datasets (\(names.joined(separator: ", "))); pass --dataset for accuracy figures")
            }
            return nil
        }
        return try store.loadAnnotations(dataset: names[0])
    }
}

/// Writes the HTML report of a comparison's runs (`detect compare --report`).
public func writeComparisonReport(store: Store, comparisonID: Int64, to path: String, dataset: String? = nil) throws {
    let runs = try store.runs(comparison: comparisonID)
    guard !runs.isEmpty else { throw ReportCommandError.noSuchComparison(comparisonID, store: store.path) }
    let input = try StoreReport(store: store, dataset: dataset)
        .input(runs: runs, title: comparisonTitle(runs.map(\.pipeline), comparisonID: comparisonID))
    try HTMLReport.write(input, to: path)
}

/// "R-CNN, Fast R-CNN and Faster R-CNN — comparison 3" for the papers' three,
/// otherwise the pipelines' names.
public func comparisonTitle(_ pipelines: [String], comparisonID: Int64) -> String {
    var names: [String] = []
    for p in pipelines where !names.contains(p) { names.append(p) }
    if names == PipelineArchitecture.allCases.map(\.rawValue) {
        return "R-CNN, Fast R-CNN and Faster R-CNN — comparison \(comparisonID)"
    }
    let list = names.count <= 1 ? names.joined() : names.dropLast().joined(separator: ", ") + " and " + names.last!
    return "\(list) — comparison \(comparisonID)"
}

extension Store {
    /// The runs a command names: every run of `comparison` when given, else
    /// the runs `ids` in that order; an id the store lacks is an error.
    public func runs(ids: [Int64], comparison: Int64?) throws -> [RunRecord] {
        if let comparison {
            let runs = try runs(comparison: comparison)
            if runs.isEmpty { throw ReportCommandError.noSuchComparison(comparison, store: path) }
            return runs
        }
        return try ids.map { id in
            guard let r = try run(id) else { throw ReportCommandError.noSuchRun(id, store: path) }
            return r
        }
    }
}

public enum ReportCommandError: Error, CustomStringConvertible {
    case noSuchComparison(Int64, store: String)
    case noSuchRun(Int64, store: String)

    public var description: String {
        switch self {
        case let .noSuchComparison(id, store): return "\(store): no runs with comparison id \(id)"
        case let .noSuchRun(id, store): return "\(store): no run \(id)"
        }
    }
}

extension StoreReport {
    /// The run's model file and, when it can still be read, how it was trained
    /// (a report of your own models says which model and which data).
    static func modelLines(_ path: String?) -> [String] {
        guard let path, !path.isEmpty else { return [] }
        guard let facts = try? ModelBundle.provenance(ofFile: path) else { return ["model \(path) (not readable here now)"] }
        return ["model \(path)"] + facts.map { "\($0.key) \($0.value)" }
    }
}
