/// Which of the three papers' detectors a pipeline is. It is not a name the
/// user gives: it follows from the pipeline's stages, so a file cannot say one
/// thing in its name and another in its stages. Many pipelines share one
/// architecture (the ResNet trained from scratch and the pretrained
/// MobileNetV2 are both Faster R-CNN); their names tell them apart.
public enum PipelineArchitecture: String, Codable, CaseIterable, Sendable {
    /// A CNN per warped region, SVMs (or a softmax) and ridge box regressors.
    case rcnn = "rcnn"
    /// The CNN once per image, selective-search RoIs pooled from its map.
    case fastRCNN = "fast-rcnn"
    /// Fast R-CNN with a region proposal network instead of selective search.
    case fasterRCNN = "faster-rcnn"

    /// As the papers write it.
    public var title: String {
        switch self {
        case .rcnn: return "R-CNN"
        case .fastRCNN: return "Fast R-CNN"
        case .fasterRCNN: return "Faster R-CNN"
        }
    }

    /// The one rule: R-CNN is the pipeline that runs the CNN per region
    /// (`cnn_features`); otherwise the proposal stage decides, the region
    /// proposal network for Faster R-CNN and selective search for Fast R-CNN.
    /// Nil when the stages name neither a per-region CNN nor a proposal stage.
    /// The same rule reads a stored run's architecture from its timed stages.
    public init?<S: Sequence>(stages: S) where S.Element == String {
        let names = Set(stages)
        if names.contains("cnn_features") { self = .rcnn }
        else if names.contains("rpn") { self = .fasterRCNN }
        else if names.contains("selective_search") { self = .fastRCNN }
        else { return nil }
    }

    /// The stages of the paper's pipeline, in order (the bundled files' lists).
    public var stages: [String] {
        switch self {
        case .rcnn: return ["decode", "selective_search", "warp", "cnn_features", "svm", "box_regression", "nms"]
        case .fastRCNN: return ["decode", "selective_search", "preprocess", "backbone", "roi_pool", "box_head", "nms"]
        case .fasterRCNN: return ["decode", "preprocess", "backbone", "rpn", "roi_pool", "box_head", "nms"]
        }
    }

    /// Stages that only this family runs: R-CNN's per-region work, or the
    /// shared-feature stages of the two-stage detectors.
    static let rcnnOnlyStages: Set<String> = ["warp", "cnn_features", "svm", "softmax", "box_regression"]
    static let twoStageOnlyStages: Set<String> = ["preprocess", "backbone", "neck", "rpn", "roi_pool", "box_head"]
}
