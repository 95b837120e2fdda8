import ArgumentParser

/// `detect bench …`: speed figures, one subcommand per part of the system.
public struct BenchCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the speed of the engine and pipeline stages on this machine.",
        subcommands: [BenchEngine.self, BenchProposals.self, BenchImagingCommand.self])

    public init() {}
}
