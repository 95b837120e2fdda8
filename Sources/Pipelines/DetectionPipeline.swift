import Foundation
import Boxes
import Imaging
import Proposals

/// A configured, loaded pipeline ready to detect: the pipeline file's stages
/// with the weights of its model bundle. `detect(path:)` runs every stage on
/// one JPEG and reports each stage's wall time under the file's stage names.
public final class DetectionPipeline {
    public let config: PipelineConfig
    public let modelPath: String
    public let classes: [String]
    public let bundleInfo: [String: String]
    /// The R-CNN or two-stage detector the model bundle holds.
    public let detector: any Detector
    let search: SelectiveSearch?

    public init(config: PipelineConfig, modelPath: String) throws {
        self.config = config
        self.modelPath = modelPath
        guard FileManager.default.fileExists(atPath: modelPath) else {
            throw PipelineError.unreadable(path: modelPath, reason: "no such model file (train one with `detect train --pipeline \(config.name.rawValue)`)")
        }
        let bundle = try ModelBundle.load(path: modelPath)
        classes = bundle.classes
        bundleInfo = bundle.info
        switch config.name {
        case .rcnn:
            guard bundle.pipeline == .rcnn else {
                throw PipelineError.modelMismatch(path: modelPath, reason: "an R-CNN pipeline needs an R-CNN model, this one is \(bundle.pipeline.rawValue)")
            }
            detector = try RCNNDetector(config: config, bundle: bundle, path: modelPath)
        case .fastRCNN, .fasterRCNN:
            // A model is trained for one pipeline: a Faster R-CNN head has learnt
            // RPN proposals, not selective search's, and the other way round.
            guard bundle.pipeline == config.name else {
                throw PipelineError.modelMismatch(path: modelPath, reason: "a \(config.name.rawValue) pipeline needs a \(config.name.rawValue) model, this one is \(bundle.pipeline.rawValue)")
            }
            detector = try TwoStageDetector(config: config, bundle: bundle, path: modelPath)
        }
        search = config.proposals == .selectiveSearch ? Self.selectiveSearch(config.selectiveSearch) : nil
    }

    /// The selective search a pipeline file describes.
    public static func selectiveSearch(_ c: PipelineConfig.SelectiveSearchConfig) -> SelectiveSearch {
        var s = SelectiveSearch(mode: c.mode)
        s.maxSide = c.maxSide
        s.minSide = c.minBoxSide
        s.maxBoxes = c.maxProposals
        return s
    }

    /// Decodes and detects; detections are in the image's own pixels.
    public func detect(path: String) throws -> (detections: [Detection], timings: [(stage: String, ms: Double)], width: Int, height: Int) {
        var timer = StageTimer()
        let image = try timer.time("decode") { try JPEG.decode(path: path) }
        let detections = try detect(image, timer: &timer)
        return (detections, ordered(timer), image.width, image.height)
    }

    /// The same for a file's bytes already in memory (`path` names it in errors).
    public func detect(data: Data, path: String) throws -> (detections: [Detection], timings: [(stage: String, ms: Double)], width: Int, height: Int) {
        var timer = StageTimer()
        let image = try timer.time("decode") { try JPEG.decode(data: data, path: path) }
        let detections = try detect(image, timer: &timer)
        return (detections, ordered(timer), image.width, image.height)
    }

    public func detect(_ image: Image, timer: inout StageTimer) throws -> [Detection] {
        var proposals: [Box]? = nil
        if let search { proposals = timer.time("selective_search") { search.proposals(for: image) } }
        return try detector.detect(image, proposals: proposals, timer: &timer)
    }

    /// Timings in the pipeline file's stage order (stages that did not run, e.g.
    /// because an image had no proposals, are reported as 0 ms).
    func ordered(_ timer: StageTimer) -> [(stage: String, ms: Double)] {
        var out: [(stage: String, ms: Double)] = config.stages.map { s in (s, timer.milliseconds.first { $0.stage == s }?.ms ?? 0) }
        for t in timer.milliseconds where !config.stages.contains(t.stage) { out.append(t) }
        return out
    }
}
