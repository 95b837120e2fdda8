import ArgumentParser
import Foundation
import Boxes
import Imaging
import Pipelines
import Store
import Training

/// `detect train`: trains one pipeline on a dataset in the store.
public struct TrainCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train R-CNN, Fast R-CNN or Faster R-CNN on a dataset imported into the store.",
        discussion: """
            Images come from the dataset's split (VOC ImageSets lists imported with the annotations, \
            or --split-file). A checkpoint is written after every epoch; --resume continues from it. \
            The same seed gives the same model.
            """)

    @Option(help: ArgumentHelp("Pipeline to train: rcnn, fast-rcnn or faster-rcnn, or a pipeline YAML file.", valueName: "name"))
    var pipeline: String

    @Option(help: ArgumentHelp("Dataset in the store (default: the only one).", valueName: "name"))
    var dataset: String?

    @Option(help: ArgumentHelp("Split of the dataset to train on (several joined by +, e.g. train+val). Default: trainval, or all images when the dataset has no splits; a split named here must exist.", valueName: "name"))
    var split: String?

    @Option(help: ArgumentHelp("File listing the training images, one file name, stem or path per line (overrides --split).", valueName: "file"))
    var splitFile: String?

    @Option(help: ArgumentHelp("Epochs (default: the pipeline file's).", valueName: "n"))
    var epochs: Int?

    @Option(help: ArgumentHelp("Where to write the trained model (default: <pipeline>-<dataset>.safetensors).", valueName: "file"))
    var out: String?

    @Option(help: ArgumentHelp("Random seed (default: the pipeline file's).", valueName: "n"))
    var seed: UInt64?

    @Option(help: ArgumentHelp("Learning rate (default: the pipeline file's).", valueName: "lr"))
    var learningRate: Float?

    @Flag(help: "Continue from the checkpoint of an interrupted run with the same output and seed.")
    var resume = false

    @Flag(help: "Print a JSON summary as the last line.")
    var json = false

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var pipelineDirectory: PipelineDirectoryOption

    public init() {}

    public func run() throws {
        try reportingFailure {
            let started = Date()
            var (config, configPath) = try PipelineLocator.load(pipeline)
            if let epochs { config.training.epochs = max(1, epochs) }
            if let seed { config.training.seed = seed }
            if let learningRate { config.training.learningRate = learningRate }
            let store = try database.open()
            let datasetName = try store.resolveDataset(dataset)
            let set = try store.loadAnnotations(dataset: datasetName)
            let classes = set.categories.map(\.name)
            guard !classes.isEmpty else { throw ValidationError("dataset \(datasetName) has no classes") }
            let chosen = try selectImages(set)
            let samples = chosen.map { image in
                let objects = image.objects.filter { !$0.difficult && !$0.iscrowd && !$0.box.isDegenerate }
                return TrainingSample(path: image.path, boxes: objects.map(\.box),
                                      labels: objects.map { o in classes.firstIndex(of: o.category)! })
            }
            let output = out ?? "\(config.name.rawValue)-\(datasetName).safetensors"
            let checkpoint = output + ".checkpoint"
            let parent = URL(fileURLWithPath: output).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
            printError("training \(config.name.rawValue) on \(samples.count) images of \(datasetName) " +
                       "(\(classes.count) classes: \(classes.joined(separator: ", "))), \(config.training.epochs) epochs, seed \(config.training.seed)")
            var proposals: [String: [Box]] = [:]
            if config.name != .fasterRCNN {
                proposals = try ProposalCache.proposals(for: samples.map(\.path), config: config.selectiveSearch,
                                                        cachePath: output + ".proposals.json")
            }
            var info: [String: String] = [
                "dataset": datasetName, "split": splitFile ?? split ?? "trainval", "images": String(samples.count),
                "epochs": String(config.training.epochs), "seed": String(config.training.seed),
                "command": CommandLine.arguments.joined(separator: " "),
                "pipeline_file": (try? String(contentsOfFile: configPath, encoding: .utf8)) ?? "",
            ]
            var result: [String: Any] = ["pipeline": config.name.rawValue, "model": output, "images": samples.count,
                                         "classes": classes, "epochs": config.training.epochs]
            switch config.name {
            case .rcnn:
                let detector = try RCNNDetector(config: config, classes: classes)
                let trainer = RCNNTrainer(detector: detector, samples: samples, proposals: proposals)
                let summary = try trainer.train(checkpointPath: checkpoint, resume: resume)
                info["final_cnn_loss"] = String(format: "%.4f", summary.fineTuneLoss.last ?? 0)
                info["svm_training_accuracy"] = summary.svmTrainingAccuracy.map { String(format: "%.4f", $0) }.joined(separator: ",")
                info["seconds"] = String(format: "%.0f", Date().timeIntervalSince(started))
                try detector.bundle(info: info).save(to: output)
                try? FileManager.default.removeItem(atPath: checkpoint)
                result["final_loss"] = summary.fineTuneLoss.last ?? 0
            case .fastRCNN, .fasterRCNN:
                let detector = try TwoStageDetector(config: config, classes: classes)
                let trainer = TwoStageTrainer(detector: detector, samples: samples, proposals: proposals)
                let epochs = try trainer.train(checkpointPath: checkpoint, resume: resume)
                if let last = epochs.last {
                    info["final_loss"] = String(format: "%.4f", last.meanLoss.total)
                    info["final_losses"] = last.meanLoss.description
                    result["final_loss"] = last.meanLoss.total
                }
                info["seconds"] = String(format: "%.0f", Date().timeIntervalSince(started))
                try detector.bundle(info: info).save(to: output)
                try? FileManager.default.removeItem(atPath: checkpoint)
            }
            let seconds = Date().timeIntervalSince(started)
            result["seconds"] = seconds
            print("trained \(config.name.rawValue) in \(String(format: "%.0f", seconds)) s → \(output)")
            if json { print(jsonLine(result)) }
        }
    }

    func selectImages(_ set: AnnotationSet) throws -> [AnnotatedImage] {
        if let splitFile {
            let names = try String(contentsOfFile: splitFile, encoding: .utf8).split(whereSeparator: \.isNewline)
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let wanted = Set(names)
            let chosen = set.images.filter { img in
                let file = URL(fileURLWithPath: img.path).lastPathComponent
                let stem = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
                return wanted.contains(file) || wanted.contains(stem) || wanted.contains(img.path) || wanted.contains(img.fileName)
            }
            guard !chosen.isEmpty else { throw ValidationError("\(splitFile): names no image of the dataset") }
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
        throw ValidationError("the dataset has no split '\(split)' (\(available))")
    }
}
