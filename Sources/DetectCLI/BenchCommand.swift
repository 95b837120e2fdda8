import ArgumentParser

/// `detect bench`: speed figures, printed (never asserted by tests).
public struct BenchCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure and print how fast parts of the toolkit run on this machine.",
        subcommands: [
            BenchIOCommand.self,
        ])

    public init() {}
}
