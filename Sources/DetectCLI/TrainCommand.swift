import ArgumentParser
import Foundation
import Pipelines
import Store

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

    @Option(help: ArgumentHelp("Pipeline to train: a pipeline file's name (rcnn, fast-rcnn, faster-rcnn, rcnn-mobilenet, fast-rcnn-mobilenet, faster-rcnn-mobilenet, …) or a pipeline YAML file. The model carries it.", valueName: "name"))
    var pipeline: String

    @Option(help: ArgumentHelp("Dataset in the store (default: the only one).", valueName: "name"))
    var dataset: String?

    @Option(help: ArgumentHelp("Split of the dataset to train on (several joined by +, e.g. train+val). Default: trainval, or all images when the dataset has no splits; a split named here must exist.", valueName: "name"))
    var split: String?

    @Option(help: ArgumentHelp("File listing the training images, one file name, stem or path per line (overrides --split).", valueName: "file"))
    var splitFile: String?

    @Option(help: ArgumentHelp("Epochs, run exactly (default: the pipeline file's epochs, raised on a small dataset to reach its min_iterations steps).", valueName: "n"))
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
            let (file, configPath) = try PipelineLocator.load(pipeline)
            // Values from the command line get the file's checks; epochs asked
            // for are run exactly, whatever the dataset's size.
            let config = try file.applying(TrainingOverrides(epochs: epochs, seed: seed, learningRate: learningRate),
                                           path: configPath)
            var workflow = TrainingWorkflow(config: config, configPath: configPath)
            workflow.weightsRoots = PipelineLocator.weightsRoots(for: configPath)
            workflow.dataset = dataset
            workflow.split = split
            workflow.splitFile = splitFile
            workflow.output = out
            workflow.resume = resume
            let result = try workflow.run(store: try database.open())
            print("trained \(result.pipeline) in \(String(format: "%.0f", result.seconds)) s → \(result.model)")
            if json {
                var line: [String: Any] = ["pipeline": result.pipeline, "model": result.model, "images": result.images,
                                           "classes": result.classes, "epochs": result.epochs, "seconds": result.seconds]
                if let loss = result.finalLoss { line["final_loss"] = loss }
                print(jsonLine(line))
            }
        }
    }
}
