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

    /// `config`'s stages with the weights of the model at `modelPath`, which
    /// must have been trained by a pipeline of the same architecture and backbone.
    public convenience init(config: PipelineConfig, modelPath: String) throws {
        guard FileManager.default.fileExists(atPath: modelPath) else {
            throw PipelineError.unreadable(path: modelPath, reason: "no such model file (train one with `detect train --pipeline \(config.name)`)")
        }
        try self.init(config: config, bundle: try ModelBundle.load(path: modelPath), modelPath: modelPath)
    }

    public init(config: PipelineConfig, bundle: ModelBundle, modelPath: String) throws {
        self.config = config
        self.modelPath = modelPath
        try Self.checkFits(config: config, bundle: bundle, modelPath: modelPath)
        classes = bundle.classes
        bundleInfo = bundle.info
        switch config.architecture {
        case .rcnn: detector = try RCNNDetector(config: config, bundle: bundle, path: modelPath)
        case .fastRCNN, .fasterRCNN: detector = try TwoStageDetector(config: config, bundle: bundle, path: modelPath)
        }
        search = config.proposals == .selectiveSearch ? Self.selectiveSearch(config.selectiveSearch) : nil
    }

    /// The error for a model that does not carry its pipeline.
    public static func noPipeline(_ modelPath: String, _ bundle: ModelBundle) -> PipelineError {
        .other("\(modelPath) was trained by pipeline \(bundle.pipeline) before models carried their pipeline: give it with --pipeline \(bundle.pipeline)")
    }

    /// A model is trained for one architecture and backbone: a Faster R-CNN head
    /// has learnt RPN proposals, not selective search's, R-CNN's CNN sees warped
    /// regions, and a ResNet's weights are no MobileNetV2's. Refused in one
    /// sentence naming both, before any tensor is looked at.
    public static func checkFits(config: PipelineConfig, bundle: ModelBundle, modelPath: String) throws {
        let model = "\(modelPath) is a \(bundle.architecture.title) model (pipeline \(bundle.pipeline))"
        guard bundle.architecture == config.architecture else {
            throw PipelineError.other("\(model) and cannot run in pipeline \(config.name), which is \(config.architecture.title); "
                                      + "leave out --pipeline to run it with its own")
        }
        if let own = bundle.config?.backbone, own.type != config.backbone.type || own.stride != config.backbone.stride {
            throw PipelineError.other("\(model) with a \(own.type.rawValue) backbone at stride \(own.stride) and cannot run in pipeline "
                                      + "\(config.name), whose backbone is \(config.backbone.type.rawValue) at stride \(config.backbone.stride); "
                                      + "leave out --pipeline to run it with its own")
        }
        if let own = bundle.config?.neck, own != config.neck, own.type != .none || config.neck.type != .none {
            throw PipelineError.other("\(model) with neck \(describe(own)) and cannot run in pipeline \(config.name), whose neck is "
                                      + "\(describe(config.neck)); leave out --pipeline to run it with its own")
        }
    }

    /// `none`, or the pyramid's strides, channels and extra level.
    public static func describe(_ neck: PipelineConfig.NeckConfig) -> String {
        guard neck.type == .fpn else { return neck.type.rawValue }
        return "fpn on strides \(neck.inStrides.map(String.init).joined(separator: ", ")) with \(neck.channels) channels"
            + (neck.maxPoolLevel ? " and a max-pooled level" : "")
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
