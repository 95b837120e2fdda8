import ArgumentParser

/// `detect annotations`: move ground truth between annotation files and the store.
public struct AnnotationsCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "annotations",
        abstract: "Import, export and list ground-truth annotations (VOC XML, COCO JSON, YOLO txt, CSV).",
        subcommands: [AnnotationsImportCommand.self, AnnotationsExportCommand.self, AnnotationsListCommand.self])

    public init() {}
}
