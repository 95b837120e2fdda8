import ArgumentParser
import Foundation
import Evaluation
import Store

/// `detect eval`: VOC or COCO metrics of a stored run against a dataset.
public struct EvalCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a run's detections: VOC AP (area or 07 11-point) or COCO mAP@[.5:.95].",
        discussion: """
            voc: area under the interpolated precision-recall curve at IoU 0.5; voc07: the 11-point AP of \
            VOC 2007; both ignore `difficult` objects. coco: pycocotools' definition (IoU 0.50:0.05:0.95, \
            101 recall points, maxDets 1/10/100, small/medium/large areas, crowd regions ignored).
            """)

    public enum Metric: String, ExpressibleByArgument, CaseIterable { case voc, voc07, coco }

    @Option(name: .customLong("run"), help: ArgumentHelp("Run to evaluate.", valueName: "id"))
    var runID: Int64

    @Option(help: ArgumentHelp("Dataset holding the ground truth (default: the only one).", valueName: "name"))
    var dataset: String?

    @Option(help: "Metric: voc, voc07 or coco.")
    var metric: Metric = .voc

    @Flag(help: "Print a JSON summary as the last line.")
    var json = false

    @OptionGroup var database: DatabaseOptions

    public init() {}

    public func run() throws {
        try reportingFailure {
            guard let store = try database.openExisting() else { throw ValidationError("no store at \(database.path)") }
            let e = try RunEvaluation(store: store, run: runID, dataset: dataset)
            print("run \(runID) on \(e.imageIDs.count) images of \(e.dataset), \(e.detections.count) detections, \(e.groundTruth.count) ground-truth boxes")
            switch metric {
            case .voc, .voc07:
                let r = e.voc(metric == .voc ? .area : .elevenPoint)
                var perClass: [String: Any] = [:]
                for c in r.perClass {
                    let name = e.classes[Int(c.categoryID)]
                    perClass[name] = c.ap.map { $0 as Any } ?? NSNull()
                    print("  " + pad(name, 20) + " AP " + (c.ap.map { String(format: "%.4f", $0) } ?? "  n/a ") +
                          "  (\(c.positives) objects, \(c.detections) detections)")
                }
                print(String(format: "mAP (%@, IoU 0.5): %.4f", metric.rawValue, r.mAP))
                if json { print(jsonLine(["mAP": r.mAP, "per_class": perClass, "metric": metric.rawValue, "run_id": runID])) }
            case .coco:
                let r = e.coco()
                let labels = ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"]
                let descriptions = [
                    "Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ]",
                    "Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ]",
                    "Average Precision  (AP) @[ IoU=0.75      | area=   all | maxDets=100 ]",
                    "Average Precision  (AP) @[ IoU=0.50:0.95 | area= small | maxDets=100 ]",
                    "Average Precision  (AP) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ]",
                    "Average Precision  (AP) @[ IoU=0.50:0.95 | area= large | maxDets=100 ]",
                    "Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ]",
                    "Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets= 10 ]",
                    "Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ]",
                    "Average Recall     (AR) @[ IoU=0.50:0.95 | area= small | maxDets=100 ]",
                    "Average Recall     (AR) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ]",
                    "Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets=100 ]",
                ]
                for (d, v) in zip(descriptions, r.stats) { print(" \(d) = \(String(format: "%.3f", v))") }
                var out: [String: Any] = [:]
                for (l, v) in zip(labels, r.stats) { out[l] = v }
                var perClass: [String: Any] = [:]
                for (i, name) in e.classes.enumerated() { perClass[name] = r.perClass[Int64(i)] ?? -1 }
                out["per_class"] = perClass
                out["run_id"] = runID
                if json { print(jsonLine(out)) }
            }
        }
    }
}
