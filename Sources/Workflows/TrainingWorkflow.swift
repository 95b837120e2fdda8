import Foundation
import Boxes
import Pipelines
import Store
import Training

/// `detect train` as a library call: a dataset of the store, one pipeline,
/// one loop for all three detectors (checkpoints every epoch, resume), and
/// the model bundle written with how it was made.
public struct TrainingWorkflow {
    public var config: PipelineConfig
    public var configPath: String
    public var dataset: String?
    /// A split name, several joined by `+`, or nil for the default (trainval,
    /// or every image of a dataset without splits).
    public var split: String?
    /// A file listing the training images (overrides `split`).
    public var splitFile: String?
    public var output: String?
    public var resume = false
    /// The command line written into the model's metadata, without the
    /// training machine's absolute paths.
    public var command = TrainingWorkflow.shareableCommand(CommandLine.arguments)
    /// Folders where `backbone.weights` (`imagenet` or a relative path) is
    /// looked up, first match wins.
    public var weightsRoots: [String] = []

    public init(config: PipelineConfig, configPath: String) {
        self.config = config
        self.configPath = configPath
    }

    public struct Result: Sendable {
        public var pipeline: String
        public var model: String
        public var images: Int
        public var classes: [String]
        public var epochs: Int
        public var finalLoss: Double?
        public var seconds: Double
    }

    public func run(store: Store) throws -> Result {
        let started = Date()
        let datasetName = try store.resolveDataset(dataset)
        let set = try store.loadAnnotations(dataset: datasetName)
        let classes = set.categories.map(\.name)
        guard !classes.isEmpty else { throw WorkflowError.invalid("dataset \(datasetName) has no classes") }
        let samples = try selectImages(set).map { image in
            let objects = image.objects.filter { !$0.difficult && !$0.iscrowd && !$0.box.isDegenerate && classes.contains($0.category) }
            return TrainingSample(path: image.path, boxes: objects.map(\.box),
                                  labels: objects.compactMap { o in classes.firstIndex(of: o.category) })
        }
        var config = self.config
        let fileEpochs = config.training.epochs
        config.training.epochs = config.training.epochs(forImages: samples.count)
        let output = self.output ?? "\(config.name)-\(datasetName).safetensors"
        let checkpoint = output + ".checkpoint"
        try FileManager.default.createDirectory(at: URL(fileURLWithPath: output).deletingLastPathComponent(),
                                                withIntermediateDirectories: true)
        // The model records the configuration as written (`weights: imagenet`,
        // not this machine's path); the detector starts from the file found here.
        var recorded = config
        for path in [\PipelineConfig.backbone.weights, \PipelineConfig.model] where recorded[keyPath: path].hasPrefix("/") {
            recorded[keyPath: path] = (recorded[keyPath: path] as NSString).lastPathComponent
        }
        config.backbone.weights = try config.backbone.resolvedWeightsPath(roots: weightsRoots) ?? "none"
        printError("training \(config.name) (\(config.architecture.title)) on \(samples.count) images of \(datasetName) " +
                   "(\(classes.count) classes: \(classes.joined(separator: ", "))), \(config.training.epochs) epochs" +
                   (config.training.epochs > fileEpochs
                       ? " (the pipeline's \(fileEpochs) raised to reach its min_iterations of \(config.training.minIterations) steps)" : "") +
                   ", seed \(config.training.seed)")
        var proposals: [String: [Box]] = [:]
        if config.proposals == .selectiveSearch {
            proposals = try ProposalCache.proposals(for: samples.map(\.path), config: config.selectiveSearch,
                                                    cachePath: output + ".proposals.json")
        }
        var info: [String: String] = [
            "dataset": datasetName, "split": splitFile ?? split ?? "trainval", "images": String(samples.count),
            "epochs": String(config.training.epochs), "seed": String(config.training.seed), "command": command,
            "pipeline_file": (try? PipelineConfig.text(ofFile: configPath)) ?? "",
        ]
        func save(_ bundle: ModelBundle) throws {
            var bundle = bundle
            bundle.config = recorded
            try bundle.save(to: output)
        }
        var finalLoss: Double?
        switch config.architecture {
        case .rcnn:
            let detector = try RCNNDetector(config: config, classes: classes)
            let trainer = RCNNTrainer(detector: detector, samples: samples, proposals: proposals)
            let summary = try trainer.train(checkpointPath: checkpoint, resume: resume)
            info["final_cnn_loss"] = String(format: "%.4f", summary.fineTuneLoss.last ?? 0)
            info["svm_training_accuracy"] = summary.svmTrainingAccuracy.map { String(format: "%.4f", $0) }.joined(separator: ",")
            info["seconds"] = String(format: "%.0f", Date().timeIntervalSince(started))
            try save(detector.bundle(info: info))
            finalLoss = summary.fineTuneLoss.last ?? 0
        case .fastRCNN, .fasterRCNN:
            let detector = try TwoStageDetector(config: config, classes: classes)
            let trainer = TwoStageTrainer(detector: detector, samples: samples, proposals: proposals)
            let epochs = try trainer.train(checkpointPath: checkpoint, resume: resume)
            if let last = epochs.last {
                info["final_loss"] = String(format: "%.4f", last.meanLoss.total)
                info["final_losses"] = last.meanLoss.description
                finalLoss = last.meanLoss.total
            }
            info["seconds"] = String(format: "%.0f", Date().timeIntervalSince(started))
            try save(detector.bundle(info: info))
        }
        try? FileManager.default.removeItem(atPath: checkpoint)
        return Result(pipeline: config.name, model: output, images: samples.count, classes: classes,
                      epochs: config.training.epochs, finalLoss: finalLoss, seconds: Date().timeIntervalSince(started))
    }

    /// `args` with every absolute path cut to its file name (`--out=/x/y.st`
    /// too) and the executable called `detect`: a shared model should not tell
    /// where it was trained.
    public static func shareableCommand(_ args: [String]) -> String {
        guard !args.isEmpty else { return "" }
        func clean(_ a: String) -> String {
            if a.hasPrefix("/") { return (a as NSString).lastPathComponent }
            if let eq = a.firstIndex(of: "="), a.hasPrefix("-"), a[a.index(after: eq)...].hasPrefix("/") {
                return String(a[...eq]) + (String(a[a.index(after: eq)...]) as NSString).lastPathComponent
            }
            return a
        }
        return (["detect"] + args.dropFirst().map(clean)).joined(separator: " ")
    }

    /// The training images: the split file's, the named split(s), or the default.
    public func selectImages(_ set: AnnotationSet) throws -> [AnnotatedImage] {
        if let splitFile {
            // A list file like --files-from's: a bounded read of a regular file.
            let wanted = Set(try ImageFiles.listed(in: splitFile))
            let chosen = set.images.filter { img in
                let file = URL(fileURLWithPath: img.path).lastPathComponent
                let stem = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
                return wanted.contains(file) || wanted.contains(stem) || wanted.contains(img.path) || wanted.contains(img.fileName)
            }
            guard !chosen.isEmpty else { throw WorkflowError.invalid("\(splitFile): names no image of the dataset") }
            return chosen
        }
        // Only the default may fall back to all images: a split named on the
        // command line that does not exist would silently train on test images.
        let split = self.split ?? "trainval"
        // `train+val` trains on the union of several splits.
        let names = split.split(separator: "+").map(String.init)
        if names.count > 1, names.allSatisfy({ set.splits[$0] != nil }) {
            return Set(names.flatMap { set.splits[$0]! }).sorted().map { set.images[$0] }
        }
        if let members = set.splits[split] { return members.map { set.images[$0] } }
        if set.splits.isEmpty && self.split == nil {
            printError("note: the dataset has no splits; training on all \(set.images.count) images")
            return set.images
        }
        let available = set.splits.isEmpty ? "it has no splits; leave out --split to train on all images"
            : "it has: \(set.splits.keys.sorted().joined(separator: ", "))"
        throw WorkflowError.invalid("the dataset has no split '\(split)' (\(available))")
    }
}
