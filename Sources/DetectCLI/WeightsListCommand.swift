import ArgumentParser
import Foundation
import JSONText
import WeightFormats

/// `detect weights list`: the tensors of a checkpoint or safetensors file.
public struct WeightsListCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the tensors of a PyTorch checkpoint or a safetensors file: name, shape, dtype.",
        discussion: "One tensor per line, sorted by name, then a total line. The kind of file is told from its content, not its name.")

    @Argument(help: ArgumentHelp("A .safetensors file or a PyTorch checkpoint (.pth/.pt).", valueName: "file"))
    public var file: String

    @Flag(help: "Print the listing as one JSON object on the last line.")
    public var json = false

    public init() {}

    public func run() throws {
        try reportingFailure {
            let (kind, contents) = try WeightsFile.read(path: file)
            let entries = WeightsFile.entries(contents)
            let shapes = entries.map { "[" + $0.shape.map(String.init).joined(separator: ", ") + "]" }
            // Names come from the file: escaped so none can move the cursor or fake a line.
            let names = entries.map { TerminalText.printable($0.name, limit: 1000) }
            let nameWidth = names.map(\.count).max() ?? 0
            let shapeWidth = shapes.map(\.count).max() ?? 0
            for ((e, shape), name) in zip(zip(entries, shapes), names) {
                print(name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  "
                      + shape.padding(toLength: shapeWidth, withPad: " ", startingAt: 0) + "  " + e.dtype.rawValue)
            }
            let values = contents.tensors.values.reduce(0) { $0 + $1.count }
            print("\(entries.count) tensors, \(values) values (\(Self.dtypeCounts(contents))) in \(TerminalText.printable(file, limit: 1000)) [\(kind.rawValue)]")
            if json {
                let list: [[String: Any]] = entries.map { ["name": $0.name, "shape": $0.shape, "dtype": $0.dtype.rawValue] }
                print(jsonLine(["file": file, "format": kind.rawValue, "tensors": list, "count": entries.count, "values": values]))
            }
        }
    }

    /// "262 F32, 52 I64": how many tensors of each dtype, most common first.
    static func dtypeCounts(_ contents: SafeTensors.Contents, excluding excluded: SafeTensors.DType? = nil) -> String {
        var counts: [SafeTensors.DType: Int] = [:]
        for name in contents.tensors.keys {
            let d = contents.dtypes[name] ?? .f32
            if d != excluded { counts[d, default: 0] += 1 }
        }
        return counts.sorted { ($1.value, $0.key.rawValue) < ($0.value, $1.key.rawValue) }
            .map { "\($0.value) \($0.key.rawValue)" }.joined(separator: ", ")
    }
}
