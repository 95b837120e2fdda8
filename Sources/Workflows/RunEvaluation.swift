import Foundation
import Boxes
import Evaluation
import Store

/// A run's detections against a dataset's ground truth, on the images the run
/// finished that belong to the dataset (matched by content hash, so a folder
/// run over the dataset's files meets its annotations).
public struct RunEvaluation {
    public let classes: [String]
    public let imageIDs: [Int64]
    public let groundTruth: [GroundTruthBox]
    public let detections: [ScoredDetection]
    public let dataset: String

    public init(store: Store, run runID: Int64, dataset name: String?) throws {
        guard try store.run(runID) != nil else { throw WorkflowError.invalid("no run \(runID) in \(store.path)") }
        dataset = try store.resolveDataset(name)
        let set = try store.loadAnnotations(dataset: dataset)
        classes = set.categories.map(\.name)
        let classIndex = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, Int64($0)) })
        // A dataset image and a run image show the same picture when they are
        // one image or their bytes are (imported before or after the run, under any path).
        let shown = try store.runImages(of: runID, showing: set.images.compactMap(\.imageID))
        var images: [Int64] = []
        var gt: [GroundTruthBox] = []
        for image in set.images {
            guard let datasetID = image.imageID, let id = shown[datasetID] else { continue }
            images.append(id)
            for o in image.objects {
                guard let c = classIndex[o.category] else { continue }
                gt.append(GroundTruthBox(imageID: id, categoryID: c, box: o.box, difficult: o.difficult,
                                         isCrowd: o.iscrowd, area: o.area))
            }
        }
        guard !images.isEmpty else {
            throw WorkflowError.invalid("run \(runID) has no image of dataset \(dataset) (images are matched by content)")
        }
        imageIDs = images
        groundTruth = gt
        let imageSet = Set(images)
        detections = try store.detections(run: runID).compactMap { d in
            guard imageSet.contains(d.imageID), let c = classIndex[d.category] else { return nil }
            return ScoredDetection(imageID: d.imageID, categoryID: c, box: d.box, score: d.score)
        }
    }

    public func voc(_ method: VOCEvaluator.APMethod) -> VOCEvaluator.Result {
        VOCEvaluator.evaluate(groundTruth: groundTruth, detections: detections,
                              categoryIDs: classes.indices.map(Int64.init), method: method)
    }

    public func coco() -> COCOEvaluator.Result {
        COCOEvaluator.evaluate(groundTruth: groundTruth, detections: detections, imageIDs: imageIDs,
                               categoryIDs: classes.indices.map(Int64.init))
    }
}

/// `s` left-aligned in a column of `width` characters.
public func pad(_ s: String, _ width: Int) -> String {
    s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
}
