import ArgumentParser

/// `detect weights`: pretrained weights from PyTorch checkpoints, as safetensors.
public struct WeightsCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "weights",
        abstract: "Convert PyTorch checkpoints to safetensors, list weight files, fetch pretrained weights.",
        discussion: """
            Checkpoints are read without Python: both formats torch.save writes (the zip archive of \
            torch >= 1.6 and the legacy stream before it) are parsed by a restricted unpickler that \
            only rebuilds tensors and refuses every other global, so a checkpoint can never run code.
            """,
        subcommands: [WeightsImportCommand.self, WeightsListCommand.self, WeightsFetchCommand.self])

    public init() {}
}
