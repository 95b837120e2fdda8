import ArgumentParser
import Foundation
import WeightFormats

/// `detect weights import`: a PyTorch checkpoint's state dict as a safetensors file.
public struct WeightsImportCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Convert a PyTorch checkpoint (.pth/.pt) to a safetensors file.",
        discussion: """
            The state dict is the checkpoint's top-level dict when it holds tensors, otherwise its \
            'state_dict', 'model_state_dict' or 'model' entry; nested dicts are flattened with dotted \
            names and non-tensor values are left out. Every tensor is written as F32 under its \
            state-dict name, integer ones (BatchNorm's num_batches_tracked) included; the file's \
            metadata names the source file and the tensors whose dtype was not F32.
            """)

    @Argument(help: ArgumentHelp("PyTorch checkpoint written by torch.save (zip or legacy format).", valueName: "checkpoint"))
    public var checkpoint: String

    @Option(help: ArgumentHelp("Safetensors file to write (replaced if it exists).", valueName: "file"))
    public var out: String

    @Flag(help: "Print a JSON summary as the last line.")
    public var json = false

    public init() {}

    public func run() throws {
        try reportingFailure {
            let contents = try WeightsFile.importCheckpoint(from: checkpoint, to: out)
            let values = contents.tensors.values.reduce(0) { $0 + $1.count }
            let converted = contents.dtypes.values.filter { $0 != .f32 }.count
            var line = "Wrote \(contents.tensors.count) tensors (\(values) values) from \(checkpoint) to \(out)"
            if converted > 0 { line += "; \(converted) stored as F32 from " + WeightsListCommand.dtypeCounts(contents, excluding: .f32) }
            print(line)
            if json {
                print(jsonLine(["tensors": contents.tensors.count, "values": values, "out": out, "checkpoint": checkpoint,
                                "converted_to_f32": converted]))
            }
        }
    }
}
