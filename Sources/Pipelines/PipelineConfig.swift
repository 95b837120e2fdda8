import Foundation
import Proposals

// The pipeline file's schema and defaults. Reading a file (YAML, `base:`
// merging, the JSON a model carries) is in PipelineLoading.swift, the checks
// of every value in PipelineValidation.swift.

/// A key whose value is one of a fixed set of names (`backbone.type`,
/// `proposals`, …). A value outside the set is refused naming the choices.
public protocol PipelineChoice: RawRepresentable, CaseIterable, Codable, Sendable where RawValue == String {}

extension PipelineChoice {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let raw = try container.decode(String.self)
        guard let value = Self(rawValue: raw) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "'\(raw)' is not one of \(Self.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = value
    }
}

/// Where a pipeline's proposals come from: Faster R-CNN's region proposal
/// network on the backbone's features, or selective search on the image
/// (R-CNN, Fast R-CNN). It follows from the stages (`rpn` or `selective_search`).
public enum ProposalStage: String, PipelineChoice {
    case rpn
    case selectiveSearch = "selective_search"
}

/// How proposals are cut out of the feature map.
public enum NeckType: String, PipelineChoice {
    /// The backbone's deepest map, alone.
    case none
    /// A Feature Pyramid Network on several of the backbone's maps.
    case fpn
}

public enum RoIPoolingType: String, PipelineChoice {
    /// Fast R-CNN's max pooling over quantised bins.
    case roiPool = "roi_pool"
    /// Mask R-CNN's bilinear sampling without quantisation.
    case roiAlign = "roi_align"
}

extension SelectiveSearch.Mode: PipelineChoice {}

/// What scores R-CNN's regions: the paper's linear SVM per class on the CNN's
/// features, or the softmax layer the CNN was fine-tuned with (the paper's
/// appendix B compares the two; the softmax needs no SVM training).
public enum RCNNClassifier: String, PipelineChoice {
    case svm
    case softmax
}

/// A pipeline is data: its name, its stages and every parameter, read from
/// `pipelines/<name>.yaml` (or carried by the model it trained). The name is
/// the pipeline's identity — runs, drawings, tables and the store show it —
/// and its architecture follows from its stages. Keys are snake_case. The bundled files are the
/// source of every default: a key left out of a file takes the value that
/// `pipelines/faster-rcnn.yaml` (the base of the two-stage files) states, or for
/// the `selective_search` and `rcnn` sections `pipelines/rcnn.yaml`; the values
/// below are those files' values, and a test keeps the two equal. Fast R-CNN
/// differs from Faster R-CNN by its proposal stage only.
public struct PipelineConfig: Codable, Sendable, Equatable {
    /// The file's name without `.yaml`, unless the file sets `name:`.
    public var name: String
    public var description: String = ""
    /// Weights file (relative paths resolve against the pipeline file's parent directory's parent,
    /// i.e. the project root for files in `pipelines/`).
    public var model: String = ""
    /// Stage names in execution order, as timed and stored.
    public var stages: [String] = []
    public var input = InputConfig()
    public var backbone = BackboneConfig()
    public var neck = NeckConfig()
    public var selectiveSearch = SelectiveSearchConfig()
    public var rpn = RPNConfig()
    public var roiPooling = RoIPoolingConfig()
    public var boxHead = BoxHeadConfig()
    public var rcnn = RCNNConfig()
    public var postprocess = PostprocessConfig()
    public var training = TrainingConfig()

    public struct InputConfig: Codable, Sendable, Equatable {
        /// Shorter image side at the network input (Fast R-CNN: 600; CPU-sized here).
        public var minSize: Int = 480
        /// Cap on the longer side (Fast R-CNN: 1000).
        public var maxSize: Int = 800
        /// Per-channel mean and standard deviation on the 0...255 scale.
        public var pixelMean: [Float] = [123.675, 116.28, 103.53]
        public var pixelStd: [Float] = [58.395, 57.12, 57.375]
        public init() {}
    }

    /// The CNN every pipeline shares. `resnet` is the toolkit's own small ResNet,
    /// trained from scratch; `mobilenet_v2` is torchvision's MobileNetV2, which
    /// can start from its ImageNet weights (the papers' recipe: pre-train on
    /// ImageNet, fine-tune on the detection data).
    public struct BackboneConfig: Codable, Sendable, Equatable {
        public enum Kind: String, PipelineChoice {
            case resnet
            case mobilenetV2 = "mobilenet_v2"
        }

        /// `resnet` or `mobilenet_v2`.
        public var type: Kind = .resnet
        /// `none` (random initialisation), `imagenet` (models/imagenet/<type>.safetensors,
        /// written by `detect weights fetch`), or a path to a safetensors file with torchvision names.
        public var weights: String = "none"
        /// Leading blocks kept fixed while fine-tuning (MobileNetV2: features.0 … features.N−1).
        public var frozenStages: Int = 0
        /// Feature stride: 16 (MobileNetV2 cut after block 13, 96 channels) or 32 (whole, 1,280 channels).
        public var stride: Int = 16
        public init() {}

        public var isPretrained: Bool { weights != "none" }

        /// The weights file training starts from, looked up in `roots` (the
        /// project folders: the pipeline file's and the toolkit's): nil for
        /// `none`; a missing file is an error that says how to get it.
        public func resolvedWeightsPath(roots: [String]) throws -> String? {
            switch weights {
            case "none": return nil
            case "imagenet":
                let relative = "models/imagenet/\(type.rawValue).safetensors"
                for root in roots {
                    let candidate = URL(fileURLWithPath: root).appendingPathComponent(relative).path
                    if FileManager.default.fileExists(atPath: candidate) { return candidate }
                }
                throw PipelineError.other("backbone.weights = imagenet, but the ImageNet \(type.rawValue) weights are not here yet "
                                          + "(\(relative)): run `detect weights fetch \(type.rawValue)` once (scripts/bootstrap does it)")
            default:
                if weights.hasPrefix("/") || roots.isEmpty {
                    guard FileManager.default.fileExists(atPath: weights) else {
                        throw PipelineError.unreadable(path: weights, reason: "backbone.weights: no such weights file")
                    }
                    return weights
                }
                for root in roots {
                    let candidate = URL(fileURLWithPath: root).appendingPathComponent(weights).path
                    if FileManager.default.fileExists(atPath: candidate) { return candidate }
                }
                if FileManager.default.fileExists(atPath: weights) { return weights }
                throw PipelineError.unreadable(path: weights, reason: "backbone.weights: no such weights file (looked in \(roots.joined(separator: ", ")) and here)")
            }
        }

        /// The weights file to start from: nil for `none`; `imagenet` is the
        /// converted checkpoint under `models/imagenet/` of `projectRoot`;
        /// other relative paths resolve against `projectRoot` when the file is there.
        public func pretrainedPath(projectRoot: String) -> String? {
            switch weights {
            case "none": return nil
            case "imagenet":
                return URL(fileURLWithPath: projectRoot).appendingPathComponent("models/imagenet/\(type.rawValue).safetensors").path
            default:
                if weights.hasPrefix("/") { return weights }
                let candidate = URL(fileURLWithPath: projectRoot).appendingPathComponent(weights).path
                return FileManager.default.fileExists(atPath: candidate) ? candidate : weights
            }
        }
    }

    /// What sits between the backbone and the stages that read its features.
    /// `none`: they read the backbone's deepest map alone. `fpn`: a Feature
    /// Pyramid Network (Lin et al., CVPR 2017) turns the backbone maps at
    /// `in_strides` into one map per stride with `channels` channels each,
    /// through lateral 1×1 convolutions and a top-down pathway; the RPN gets
    /// anchors of its own sizes on every level and each RoI is pooled from the
    /// level that fits its size.
    public struct NeckConfig: Codable, Sendable, Equatable {
        /// `none` or `fpn`.
        public var type: NeckType = .none
        /// fpn: strides of the backbone maps it takes, shallowest first; the
        /// deepest is `backbone.stride`.
        public var inStrides: [Int] = [8, 16, 32]
        /// fpn: channels of every pyramid level (the paper and torchvision: 256).
        public var channels: Int = 128
        /// fpn: one more level at twice the deepest stride, max-pooled from the
        /// deepest (the paper's P6), where the RPN finds the largest objects.
        /// RoIs are pooled from the other levels only.
        public var maxPoolLevel: Bool = true
        public init() {}

        /// The stride of each level the detectors read, shallowest first.
        public func levelStrides(backboneStride: Int) -> [Int] {
            guard type == .fpn else { return [backboneStride] }
            return maxPoolLevel ? inStrides + [2 * (inStrides.last ?? backboneStride)] : inStrides
        }
    }

    public struct SelectiveSearchConfig: Codable, Sendable, Equatable {
        /// `single`, `fast` (the paper's 8 hierarchies) or `quality`.
        public var mode: SelectiveSearch.Mode = .fast
        /// Images are downscaled so the longer side is at most this before segmentation.
        public var maxSide: Int = 500
        public var minBoxSide: Float = 20
        public var maxProposals: Int = 2000
        public init() {}
    }

    public struct RPNConfig: Codable, Sendable, Equatable {
        /// Square roots of the anchors' areas, in input pixels. With an FPN the
        /// list is split over the levels in order, the same count on each
        /// (the paper: one size per level).
        public var anchorSizes: [Float] = [32, 64, 128, 256]
        public var aspectRatios: [Float] = [0.5, 1, 2]
        public var preNmsTopNTrain: Int = 12000
        public var preNmsTopNTest: Int = 6000
        public var postNmsTopNTrain: Int = 2000
        public var postNmsTopNTest: Int = 300
        public var nmsThreshold: Float = 0.7
        public var minSize: Float = 1e-3
        public var fgIouThreshold: Float = 0.7
        public var bgIouThreshold: Float = 0.3
        public var batchSizePerImage: Int = 256
        public var positiveFraction: Float = 0.5
        public var channels: Int = 256
        /// Anchor delta normalisation (torchvision's RPN: 1, 1, 1, 1).
        public var boxCoderWeights: [Float] = [1, 1, 1, 1]
        public init() {}
    }

    public struct RoIPoolingConfig: Codable, Sendable, Equatable {
        /// `roi_pool` (Fast R-CNN max pooling) or `roi_align` (Mask R-CNN).
        public var type: RoIPoolingType = .roiPool
        public var outputSize: Int = 7
        public var samplingRatio: Int = 2
        /// With an FPN, a RoI of w × h input pixels is pooled from level
        /// k = ⌊canonical_level + log2(√(wh) / canonical_size)⌋ (stride 2^k),
        /// clamped to the pyramid's levels: the FPN paper's equation 1.
        public var canonicalSize: Float = 224
        public var canonicalLevel: Int = 4
        public init() {}
    }

    public struct BoxHeadConfig: Codable, Sendable, Equatable {
        /// Width of fc6 and fc7 (VGG16: 4096; torchvision ResNet-FPN: 1024).
        public var representationSize: Int = 512
        public var fgIouThreshold: Float = 0.5
        public var bgIouHigh: Float = 0.5
        /// torchvision's 0; the Fast R-CNN paper's 0.1 with selective search (fast-rcnn.yaml).
        public var bgIouLow: Float = 0
        public var batchSizePerImage: Int = 128
        public var positiveFraction: Float = 0.25
        /// Delta normalisation 1/std = (10, 10, 5, 5) as in Fast R-CNN's (0.1, 0.1, 0.2, 0.2).
        public var boxCoderWeights: [Float] = [10, 10, 5, 5]
        /// Weight λ of the box loss in the multi-task loss.
        public var boxLossWeight: Float = 1
        /// At detection time fc6 is replaced by its truncated SVD of this rank
        /// (Fast R-CNN, section 3.1: fewer multiply-adds per RoI); 0 keeps it whole.
        public var svdRank: Int = 0
        public init() {}
    }

    public struct RCNNConfig: Codable, Sendable, Equatable {
        /// Side of the warped region fed to the CNN (paper: 227).
        public var warpSize: Int = 64
        /// Context padding at the warped scale (paper: 16).
        public var contextPadding: Int = 16
        /// Proposals scored per image (paper: ~2000).
        public var maxProposals: Int = 1000
        /// Side of the grid each region's feature map is average-pooled to; the
        /// feature vector is channels × size² (ResNet: 256 × 2 × 2 = 1,024).
        public var featurePoolSize: Int = 2
        /// Regions per CNN batch.
        public var batchSize: Int = 64
        /// Proposals per training image whose features the SVMs and regressors see.
        public var trainProposals: Int = 500
        /// Fine-tuning minibatch per image: regions and foreground fraction (paper: 128 over 2 images, 25 %).
        public var fineTuneRegionsPerImage: Int = 64
        public var fineTuneForegroundFraction: Float = 0.25
        /// What scores the regions: one SVM per class (the paper) or the fine-tuned softmax.
        public var classifier: RCNNClassifier = .svm
        /// Hard-negative mining rounds after the first SVM fit.
        public var miningRounds: Int = 3
        public var svmC: Float = 1e-3
        public var svmPositiveWeight: Float = 2
        public var svmBiasMultiplier: Float = 10
        /// Negatives are proposals with IoU below this with every object of the class.
        public var negativeIouThreshold: Float = 0.3
        /// Hard negatives: cached when scoring above this, evicted below `evictThreshold`.
        public var hardThreshold: Float = -1.0001
        public var evictThreshold: Float = -1.2
        /// Features are scaled so their mean L2 norm is this (R-CNN: 20).
        public var featureNorm: Float = 20
        public var ridgeLambda: Float = 1000
        public var ridgeMinIou: Float = 0.6
        public init() {}
    }

    public struct PostprocessConfig: Codable, Sendable, Equatable {
        public var scoreThreshold: Float = 0.05
        /// Per-class NMS threshold (R-CNN and Fast R-CNN papers: 0.3).
        public var nmsThreshold: Float = 0.3
        public var detectionsPerImage: Int = 100
        public init() {}
    }

    public struct TrainingConfig: Codable, Sendable, Equatable {
        public var epochs: Int = 10
        /// Epochs are raised until training takes at least this many SGD steps,
        /// so a small dataset gets the schedule's length rather than a few
        /// hundred steps (0: `epochs` exactly). An explicit `--epochs` sets it to 0.
        public var minIterations: Int = 0
        /// Images per SGD step (Fast R-CNN: 2).
        public var imagesPerBatch: Int = 2
        public var learningRate: Float = 0.02
        public var momentum: Float = 0.9
        public var weightDecay: Float = 1e-4
        public var warmupIterations: Int = 100
        /// Learning rate ×0.1 at these fractions of training.
        public var lrDropFractions: [Float] = [0.7, 0.9]
        public var gradientClipNorm: Float = 10
        public var horizontalFlip: Bool = true
        /// Shorter side drawn uniformly from this range (scale jitter); empty = input.min_size.
        public var scaleJitter: [Int] = [416, 544]
        public var seed: UInt64 = 0
        public init() {}

        /// SGD steps in one epoch over `images` images (the last minibatch may be short).
        public func stepsPerEpoch(images: Int) -> Int {
            let batch = max(1, imagesPerBatch)
            return (images + batch - 1) / batch
        }

        /// The epochs to run on `images` training images: `epochs`, raised
        /// until `min_iterations` steps are taken.
        public func epochs(forImages images: Int) -> Int {
            let steps = stepsPerEpoch(images: images)
            guard minIterations > 0, steps > 0 else { return epochs }
            return max(epochs, (minIterations + steps - 1) / steps)
        }
    }

    /// Every key at its default; the architecture comes from `stages`.
    public init(name: String, stages: [String] = []) {
        self.name = name
        self.stages = stages
    }

    /// A pipeline of `architecture` with its paper's stages, named after it.
    public init(_ architecture: PipelineArchitecture) {
        self.init(name: architecture.rawValue, stages: architecture.stages)
    }

    /// R-CNN, Fast R-CNN or Faster R-CNN, read off the stages (a validated
    /// configuration always has one).
    public var architecture: PipelineArchitecture { PipelineArchitecture(stages: stages) ?? .fastRCNN }

    /// Where the proposals come from: the RPN for Faster R-CNN, selective search otherwise.
    public var proposals: ProposalStage { architecture == .fasterRCNN ? .rpn : .selectiveSearch }
}
