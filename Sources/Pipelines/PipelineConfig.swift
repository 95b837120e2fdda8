import Foundation
import Imaging
import Proposals
import SafeYAML

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

/// Errors reading a pipeline file or a model bundle.
public enum PipelineError: Error, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case invalid(path: String, reason: String)
    case modelMismatch(path: String, reason: String)
    /// A message that is a whole sentence of its own.
    case other(String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "\(path): cannot read: \(reason)"
        case let .invalid(path, reason): return "\(path): invalid pipeline file: \(reason)"
        case let .modelMismatch(path, reason): return "\(path): model does not fit the pipeline: \(reason)"
        case let .other(message): return message
        }
    }
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

    /// Loads a pipeline file.
    public static func load(path: String) throws -> PipelineConfig {
        return try parse(try readText(path, what: nil), path: path)
    }

    /// A pipeline file's text: a regular file (a FIFO is refused, not waited
    /// on) no larger than a YAML file may be, as UTF-8.
    static func readText(_ path: String, what: String?) throws -> String {
        let prefix = what.map { $0 + ": " } ?? ""
        let data: Data
        do { data = try InputFile.read(path, maximumBytes: SafeYAML.maximumBytes) } catch {
            guard case let ImagingError.unreadable(_, reason) = error else { throw error }
            throw PipelineError.unreadable(path: path, reason: prefix + reason)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PipelineError.unreadable(path: path, reason: prefix + "not UTF-8 text")
        }
        return text
    }

    public static func parse(_ yaml: String, path: String = "<memory>") throws -> PipelineConfig {
        let user = try resolvedMapping(yaml, path: path, chain: [])
        return try decode(user, path: path)
    }

    /// The resolved configuration as one JSON object (snake_case keys, sorted):
    /// what a trained model carries, so the model alone can be run.
    public func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Reads `jsonText()` back, with every check a pipeline file gets; keys a
    /// later version added are refused by name, left-out keys take defaults.
    public static func parseJSON(_ text: String, path: String) throws -> PipelineConfig {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)), let mapping = object as? [String: Any] else {
            throw PipelineError.invalid(path: path, reason: "the pipeline configuration is not a JSON object")
        }
        return try decode(mapping, path: path)
    }

    /// The file's mapping with its `base:` (another pipeline file, relative to
    /// this one's folder) merged underneath, recursively: keys of the file win,
    /// mappings merge key by key (detectron2's `_BASE_`). So Fast R-CNN can be
    /// Faster R-CNN with another proposal stage in a few lines.
    static func resolvedMapping(_ yaml: String, path: String, chain: [String]) throws -> [String: Any] {
        let loaded: Any?
        do { loaded = try SafeYAML.load(yaml) } catch {
            throw PipelineError.invalid(path: path, reason: "\(error)")
        }
        guard var user = loaded as? [String: Any] else {
            throw PipelineError.invalid(path: path, reason: "the top level must be a mapping")
        }
        guard let base = user.removeValue(forKey: "base") else { return user }
        guard let baseName = base as? String, !baseName.isEmpty else {
            throw PipelineError.invalid(path: path, reason: "base must name another pipeline file")
        }
        let folder = path == "<memory>" ? FileManager.default.currentDirectoryPath : (path as NSString).deletingLastPathComponent
        let basePath = ((baseName.hasPrefix("/") ? baseName : (folder as NSString).appendingPathComponent(baseName)) as NSString).standardizingPath
        guard chain.count < 8, !chain.contains(basePath), basePath != (path as NSString).standardizingPath else {
            throw PipelineError.invalid(path: path, reason: "base: '\(baseName)' makes a cycle or a chain deeper than 8 files")
        }
        let text = try readText(basePath, what: "base of \(path)")
        var below = try resolvedMapping(text, path: basePath, chain: chain + [path])
        // A file is its own pipeline: it never takes its base's name, and a file
        // with its own stages is not bound by the base's (older) `proposals:` key.
        below.removeValue(forKey: "name")
        if user["stages"] != nil { below.removeValue(forKey: "proposals") }
        return overlay(user, on: below)
    }

    /// `top` over `bottom`: mappings merged key by key, anything else replaced.
    static func overlay(_ top: [String: Any], on bottom: [String: Any]) -> [String: Any] {
        var out = bottom
        for (k, v) in top {
            if let t = v as? [String: Any], let b = bottom[k] as? [String: Any] { out[k] = overlay(t, on: b) } else { out[k] = v }
        }
        return out
    }

    static func decode(_ file: [String: Any], path: String) throws -> PipelineConfig {
        var user = file
        if user["name"] == nil {
            guard path != "<memory>" else { throw PipelineError.invalid(path: path, reason: "name: the pipeline needs a name") }
            user["name"] = Self.fileStem(path)
        }
        guard user["name"] is String else { throw PipelineError.invalid(path: path, reason: "name must be a string") }
        // Older files state the proposal stage as well as listing it; the stages
        // decide, and a stated key must agree with them.
        let statedProposals = user.removeValue(forKey: "proposals")
        // Every key left out takes its default: merge the file over the defaults'
        // own encoding, refusing keys the defaults do not have (typos).
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let defaults = try JSONSerialization.jsonObject(with: encoder.encode(PipelineConfig(name: "")))
        let merged = try merge(user, over: defaults, at: "", path: path)
        try refuseNonFinite(merged, at: "", path: path)
        try refuseNegativeUnsigned(merged, path: path)
        do {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            let config = try decoder.decode(PipelineConfig.self, from: JSONSerialization.data(withJSONObject: merged))
            try config.validate(path: path)
            if let statedProposals {
                guard let raw = statedProposals as? String, let stated = ProposalStage(rawValue: raw) else {
                    throw PipelineError.invalid(path: path, reason: "proposals = '\(statedProposals)' is not one of \(ProposalStage.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                if stated != config.proposals {
                    throw PipelineError.invalid(path: path, reason: "proposals = \(raw), but the stages make it a \(config.architecture.title) pipeline, whose proposals come from \(config.proposals.rawValue) (the stages decide; leave the key out)")
                }
            }
            return config
        } catch let e as PipelineError {
            throw e
        } catch let DecodingError.dataCorrupted(ctx) where !ctx.codingPath.isEmpty {
            throw PipelineError.invalid(path: path, reason: "\(codingPath(ctx.codingPath)) = \(ctx.debugDescription)")
        } catch let DecodingError.typeMismatch(_, ctx), let DecodingError.valueNotFound(_, ctx),
                let DecodingError.dataCorrupted(ctx) {
            throw PipelineError.invalid(path: path, reason: "wrong type at \(codingPath(ctx.codingPath))")
        } catch {
            throw PipelineError.invalid(path: path, reason: "\(error)")
        }
    }

    static func merge(_ value: Any, over base: Any, at key: String, path: String) throws -> Any {
        guard let baseDict = base as? [String: Any] else { return value }
        guard let dict = value as? [String: Any] else {
            throw PipelineError.invalid(path: path, reason: "\(key) must be a mapping")
        }
        var out = baseDict
        for (k, v) in dict {
            let full = key.isEmpty ? k : key + "." + k
            guard let b = baseDict[k] else {
                throw PipelineError.invalid(path: path, reason: "unknown key '\(full)'")
            }
            out[k] = try merge(v, over: b, at: full, path: path)
        }
        return out
    }

    /// NaN and infinities (YAML's `.nan`, `.inf`) are no parameter's value.
    static func refuseNonFinite(_ value: Any, at key: String, path: String) throws {
        switch value {
        case let d as [String: Any]:
            for (k, v) in d { try refuseNonFinite(v, at: key.isEmpty ? k : key + "." + k, path: path) }
        case let a as [Any]:
            for (i, v) in a.enumerated() { try refuseNonFinite(v, at: "\(key)[\(i)]", path: path) }
        case let x as Double where !x.isFinite:
            throw PipelineError.invalid(path: path, reason: "\(key) = \(x): must be a finite number")
        case let x as Float where !x.isFinite:
            throw PipelineError.invalid(path: path, reason: "\(key) = \(x): must be a finite number")
        default:
            break
        }
    }

    /// Keys decoded as unsigned integers. Foundation's decoder reports a
    /// negative value there without its key ("wrong type at top level"), so
    /// they are checked by name first.
    static let unsignedKeys = [["training", "seed"]]

    static func refuseNegativeUnsigned(_ merged: Any, path: String) throws {
        for keys in unsignedKeys {
            var value: Any? = merged
            for k in keys { value = (value as? [String: Any])?[k] }
            guard let value, !(value is Bool), let number = value as? NSNumber else { continue }
            let d = number.doubleValue
            guard d >= 0, d == d.rounded(), d < 18_446_744_073_709_551_616 else {
                throw PipelineError.invalid(path: path, reason: "\(keys.joined(separator: ".")) = \(number) is outside the whole numbers 0...\(UInt64.max)")
            }
        }
    }

    /// The key as the file spells it (snake_case), e.g. `roi_pooling.type`.
    static func codingPath(_ path: [CodingKey]) -> String {
        guard !path.isEmpty else { return "top level" }
        return path.map { key in
            if let index = key.intValue { return "[\(index)]" }
            return key.stringValue.reduce(into: "") { out, c in
                if c.isUppercase { out += "_" + c.lowercased() } else { out.append(c) }
            }
        }.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
    }

    /// Stage names the detectors time.
    public static let knownStages: Set<String> = [
        "decode", "selective_search", "preprocess", "backbone", "rpn", "roi_pool", "box_head", "nms",
        "warp", "cnn_features", "svm", "softmax", "box_regression",
    ]

    /// Rejects values no stage could run with: every key against its documented
    /// range, then the keys that constrain each other. Errors name the key, the
    /// value and what is allowed.
    public func validate(path: String) throws {
        func fail(_ why: String) throws -> Never { throw PipelineError.invalid(path: path, reason: why) }
        func int(_ key: String, _ v: Int, _ r: ClosedRange<Int>) throws {
            if !r.contains(v) { try fail("\(key) = \(v) is outside \(r.lowerBound)...\(r.upperBound)") }
        }
        func real(_ key: String, _ v: Float, _ lo: Float, _ hi: Float, openLow: Bool = false, openHigh: Bool = false) throws {
            let ok = v.isFinite && (openLow ? v > lo : v >= lo) && (openHigh ? v < hi : v <= hi)
            if !ok { try fail("\(key) = \(v) is outside \(openLow ? "(" : "[")\(lo), \(hi)\(openHigh ? ")" : "]")") }
        }
        func fraction(_ key: String, _ v: Float, zeroAllowed: Bool = true) throws {
            try real(key, v, 0, 1, openLow: !zeroAllowed)
        }
        // name: a folder name (drawings) and part of default file names
        try Self.validateName(name, fail: fail)
        // input
        try int("input.min_size", input.minSize, 32...4096)
        try int("input.max_size", input.maxSize, input.minSize...8192)
        if input.pixelMean.count != 3 || input.pixelStd.count != 3 {
            try fail("input.pixel_mean and input.pixel_std need three values (R, G, B)")
        }
        for (i, m) in input.pixelMean.enumerated() { try real("input.pixel_mean[\(i)]", m, -1000, 1000) }
        for (i, d) in input.pixelStd.enumerated() { try real("input.pixel_std[\(i)]", d, 0, 1000, openLow: true) }
        // backbone
        if backbone.stride != 16 && backbone.stride != 32 { try fail("backbone.stride = \(backbone.stride): must be 16 or 32") }
        if backbone.weights.isEmpty { try fail("backbone.weights must be none, imagenet or a path") }
        switch backbone.type {
        case .resnet:
            if backbone.stride != 16 { try fail("backbone.stride = \(backbone.stride): the resnet backbone has stride 16") }
            if backbone.frozenStages != 0 { try fail("backbone.frozen_stages = \(backbone.frozenStages): must be 0 for the resnet backbone (it trains from scratch)") }
            if backbone.weights == "imagenet" { try fail("backbone.weights = imagenet: no ImageNet weights exist for the resnet backbone; use mobilenet_v2") }
        case .mobilenetV2:
            try int("backbone.frozen_stages (mobilenet_v2 at stride \(backbone.stride))", backbone.frozenStages,
                    0...(backbone.stride == 16 ? 14 : 19))
        }
        // selective search
        try int("selective_search.max_side", selectiveSearch.maxSide, 16...10_000)
        try real("selective_search.min_box_side", selectiveSearch.minBoxSide, 0, 10_000)
        try int("selective_search.max_proposals", selectiveSearch.maxProposals, 1...100_000)
        // rpn
        if rpn.anchorSizes.isEmpty || rpn.aspectRatios.isEmpty { try fail("rpn.anchor_sizes and rpn.aspect_ratios must not be empty") }
        if rpn.anchorSizes.count > 16 || rpn.aspectRatios.count > 16 { try fail("rpn.anchor_sizes and rpn.aspect_ratios take at most 16 values each") }
        for (i, a) in rpn.anchorSizes.enumerated() { try real("rpn.anchor_sizes[\(i)]", a, 0, 4096, openLow: true) }
        for (i, a) in rpn.aspectRatios.enumerated() { try real("rpn.aspect_ratios[\(i)]", a, 0.01, 100) }
        try int("rpn.pre_nms_top_n_train", rpn.preNmsTopNTrain, 1...1_000_000)
        try int("rpn.pre_nms_top_n_test", rpn.preNmsTopNTest, 1...1_000_000)
        try int("rpn.post_nms_top_n_train", rpn.postNmsTopNTrain, 1...rpn.preNmsTopNTrain)
        try int("rpn.post_nms_top_n_test", rpn.postNmsTopNTest, 1...rpn.preNmsTopNTest)
        try real("rpn.nms_threshold", rpn.nmsThreshold, 0, 1, openLow: true)
        try real("rpn.min_size", rpn.minSize, 0, 10_000)
        try fraction("rpn.fg_iou_threshold", rpn.fgIouThreshold, zeroAllowed: false)
        try real("rpn.bg_iou_threshold", rpn.bgIouThreshold, 0, rpn.fgIouThreshold)
        try int("rpn.batch_size_per_image", rpn.batchSizePerImage, 1...100_000)
        try fraction("rpn.positive_fraction", rpn.positiveFraction, zeroAllowed: false)
        try int("rpn.channels", rpn.channels, 1...4096)
        if rpn.boxCoderWeights.count != 4 { try fail("rpn.box_coder_weights needs four values") }
        for (i, w) in rpn.boxCoderWeights.enumerated() { try real("rpn.box_coder_weights[\(i)]", w, 0, 1000, openLow: true) }
        // RoI pooling
        try int("roi_pooling.output_size", roiPooling.outputSize, 1...32)
        try int("roi_pooling.sampling_ratio", roiPooling.samplingRatio, 0...16)
        // box head
        try int("box_head.representation_size", boxHead.representationSize, 1...16_384)
        try fraction("box_head.fg_iou_threshold", boxHead.fgIouThreshold, zeroAllowed: false)
        try real("box_head.bg_iou_high", boxHead.bgIouHigh, 0, boxHead.fgIouThreshold, openLow: true)
        try real("box_head.bg_iou_low", boxHead.bgIouLow, 0, boxHead.bgIouHigh, openHigh: true)
        try int("box_head.batch_size_per_image", boxHead.batchSizePerImage, 1...100_000)
        try fraction("box_head.positive_fraction", boxHead.positiveFraction, zeroAllowed: false)
        if boxHead.boxCoderWeights.count != 4 { try fail("box_head.box_coder_weights needs four values") }
        for (i, w) in boxHead.boxCoderWeights.enumerated() { try real("box_head.box_coder_weights[\(i)]", w, 0, 1000, openLow: true) }
        try real("box_head.box_loss_weight", boxHead.boxLossWeight, 0, 1000)
        try int("box_head.svd_rank", boxHead.svdRank, 0...boxHead.representationSize)
        // R-CNN
        try int("rcnn.warp_size", rcnn.warpSize, 16...1024)
        try int("rcnn.context_padding", rcnn.contextPadding, 0...(rcnn.warpSize / 2 - 1))
        try int("rcnn.max_proposals", rcnn.maxProposals, 1...100_000)
        try int("rcnn.batch_size", rcnn.batchSize, 1...4096)
        try int("rcnn.train_proposals", rcnn.trainProposals, 1...100_000)
        try int("rcnn.fine_tune_regions_per_image", rcnn.fineTuneRegionsPerImage, 2...10_000)
        try fraction("rcnn.fine_tune_foreground_fraction", rcnn.fineTuneForegroundFraction, zeroAllowed: false)
        try int("rcnn.feature_pool_size", rcnn.featurePoolSize, 1...16)
        try int("rcnn.mining_rounds", rcnn.miningRounds, 0...100)
        try real("rcnn.svm_c", rcnn.svmC, 0, 1e6, openLow: true)
        try real("rcnn.svm_positive_weight", rcnn.svmPositiveWeight, 0, 1e6, openLow: true)
        try real("rcnn.svm_bias_multiplier", rcnn.svmBiasMultiplier, 0, 1e6)
        try fraction("rcnn.negative_iou_threshold", rcnn.negativeIouThreshold)
        try real("rcnn.hard_threshold", rcnn.hardThreshold, -1e6, 1e6)
        try real("rcnn.evict_threshold", rcnn.evictThreshold, -1e6, rcnn.hardThreshold)
        try real("rcnn.feature_norm", rcnn.featureNorm, 0, 1e6, openLow: true)
        try real("rcnn.ridge_lambda", rcnn.ridgeLambda, 0, 1e9)
        try fraction("rcnn.ridge_min_iou", rcnn.ridgeMinIou)
        // postprocess
        try fraction("postprocess.score_threshold", postprocess.scoreThreshold)
        try real("postprocess.nms_threshold", postprocess.nmsThreshold, 0, 1, openLow: true)
        try int("postprocess.detections_per_image", postprocess.detectionsPerImage, 1...100_000)
        // training
        try int("training.epochs", training.epochs, 1...10_000)
        try int("training.min_iterations", training.minIterations, 0...10_000_000)
        try int("training.images_per_batch", training.imagesPerBatch, 1...256)
        try real("training.learning_rate", training.learningRate, 0, 10, openLow: true)
        try real("training.momentum", training.momentum, 0, 1, openHigh: true)
        try real("training.weight_decay", training.weightDecay, 0, 1, openHigh: true)
        try int("training.warmup_iterations", training.warmupIterations, 0...10_000_000)
        for (i, f) in training.lrDropFractions.enumerated() {
            try real("training.lr_drop_fractions[\(i)]", f, 0, 1, openLow: true, openHigh: true)
        }
        try real("training.gradient_clip_norm", training.gradientClipNorm, 0, 1e9)
        if training.scaleJitter.count != 0 && training.scaleJitter.count != 2 { try fail("training.scale_jitter is [min, max] or empty") }
        if training.scaleJitter.count == 2 {
            try int("training.scale_jitter[0]", training.scaleJitter[0], 32...4096)
            try int("training.scale_jitter[1]", training.scaleJitter[1], training.scaleJitter[0]...4096)
        }
        // stages: they decide the architecture, so they must describe exactly one
        if stages.isEmpty { try fail("stages must list the pipeline's stages") }
        for stage in stages where !Self.knownStages.contains(stage) {
            try fail("stages: '\(stage)' is not a stage (known: \(Self.knownStages.sorted().joined(separator: ", ")))")
        }
        if stages.contains("rpn") && stages.contains("selective_search") {
            try fail("stages: 'rpn' and 'selective_search' are both proposal stages; a pipeline has one")
        }
        guard let architecture = PipelineArchitecture(stages: stages) else {
            try fail("stages name no proposal stage: list 'rpn' (Faster R-CNN) or 'selective_search' (Fast R-CNN), or 'cnn_features' with 'selective_search' (R-CNN)")
        }
        if architecture == .rcnn {
            if let s = stages.first(where: { PipelineArchitecture.twoStageOnlyStages.contains($0) }) {
                try fail("stages: '\(s)' does not run in an R-CNN pipeline (its CNN runs per region: cnn_features)")
            }
            if !stages.contains("selective_search") { try fail("stages: an R-CNN pipeline scores selective search regions: list 'selective_search'") }
            let other: RCNNClassifier = rcnn.classifier == .svm ? .softmax : .svm
            if stages.contains(other.rawValue) {
                try fail("stages: '\(other.rawValue)' does not run when rcnn.classifier is \(rcnn.classifier.rawValue) (list '\(rcnn.classifier.rawValue)')")
            }
        } else if let s = stages.first(where: { PipelineArchitecture.rcnnOnlyStages.contains($0) }) {
            try fail("stages: '\(s)' runs only in R-CNN (with cnn_features); this is a \(architecture.title) pipeline")
        }
    }

    /// Names a pipeline may have: they become folder and file names.
    static func validateName(_ name: String, fail: (String) throws -> Never) throws {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        if name.isEmpty || name.count > 64 || name.hasPrefix(".") || name.hasPrefix("-") || !name.allSatisfy(allowed.contains) {
            try fail("name '\(Self.printable(name))' must be 1-64 letters, digits, '.', '_' or '-', not starting with '.' or '-' (set name: in the file)")
        }
        if ["all", "bundled"].contains(name) { try fail("name '\(name)' is reserved (--pipeline \(name) means several pipelines)") }
    }

    /// A name for messages: control characters escaped.
    static func printable(_ s: String) -> String {
        String(s.unicodeScalars.prefix(80).map { $0.properties.generalCategory == .control ? "?" : Character($0) })
    }

    /// `dir/name.yaml` → `name`.
    static func fileStem(_ path: String) -> String {
        let file = (path as NSString).lastPathComponent
        for ext in [".yaml", ".yml"] where file.hasSuffix(ext) { return String(file.dropLast(ext.count)) }
        return file
    }
}
