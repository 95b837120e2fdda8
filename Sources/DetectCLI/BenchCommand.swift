import ArgumentParser

/// `detect bench …`: speed figures, one subcommand per part of the system
/// (printed, never asserted by tests).
public struct BenchCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the speed of the engine, imaging, I/O, pipeline stages and store merging on this machine.",
        subcommands: [
            BenchEngine.self,
            BenchProposals.self,
            BenchPipelines.self,
            BenchImagingCommand.self,
            BenchIOCommand.self,
            BenchMerge.self,
        ])

    public init() {}
}
