import ArgumentParser

/// `--pipeline` and `--model`, both repeatable, for the commands that put
/// several pipelines side by side (`run`, `compare`, `bench pipelines`); what
/// a set means is `PipelineLocator.resolveSet`, each command's help says the rest.
public struct PipelineSetOptions: ParsableArguments {
    @Option(name: .customLong("pipeline"),
            help: ArgumentHelp("A pipeline (repeatable): a pipeline file's name (rcnn, fast-rcnn, faster-rcnn, faster-rcnn-mobilenet, …) or YAML path, with its own model or =MODEL (faster-rcnn-mobilenet=mine.safetensors); all: the papers' three.", valueName: "name[=model]"))
    public var pipelines: [String] = []

    @Option(name: .customLong("model"),
            help: ArgumentHelp("A trained model (repeatable), run with the pipeline it carries.", valueName: "file"))
    public var models: [String] = []

    public init() {}

    public func validate() throws {
        if pipelines.contains(where: { $0.isEmpty || $0.hasPrefix("=") }) { throw ValidationError("--pipeline needs a name: NAME or NAME=MODEL") }
    }
}
