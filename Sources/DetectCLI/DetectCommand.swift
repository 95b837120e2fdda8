import ArgumentParser

/// The `detect` command line: one `ParsableCommand` per subcommand.
public struct DetectCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Region-based object detection (R-CNN, Fast R-CNN, Faster R-CNN) on the CPU.",
        subcommands: [
            AnnotationsCommand.self,
            TrainCommand.self,
            RunCommand.self,
            MergeCommand.self,
            CompareCommand.self,
            EvalCommand.self,
            ExportResultsCommand.self,
            ReportCommand.self,
            BenchCommand.self,
            WeightsCommand.self,
            PipelineCommand.self,
        ])

    public init() {}
}
