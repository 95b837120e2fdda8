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

    @Option(name: .customLong("run"), parsing: .upToNextOption,
            help: ArgumentHelp("Run to evaluate; several (--run 3 4, or repeat --run) are evaluated side by side.", valueName: "id"))
    var runIDs: [Int64] = []

    @Option(name: .customLong("comparison"), help: ArgumentHelp("Evaluate every run of this comparison side by side.", valueName: "id"))
    var comparisonID: Int64?

    @Option(help: ArgumentHelp("Dataset holding the ground truth (default: the only one).", valueName: "name"))
    var dataset: String?

    @Option(help: "Metric: voc, voc07 or coco.")
    var metric: Metric = .voc

    @Flag(help: "Print a JSON summary as the last line.")
    var json = false

    @OptionGroup var database: DatabaseOptions

    public init() {}

    public func validate() throws {
        if runIDs.isEmpty == (comparisonID == nil) { throw ValidationError("give either --run ID… or --comparison ID") }
    }

    public func run() throws {
        try reportingFailure {
            guard let store = try database.openExisting() else { throw ValidationError("no store at \(database.path)") }
            let runs = try store.runs(ids: runIDs, comparison: comparisonID)
            if runs.count == 1 { try evaluateOne(store: store, runID: runs[0].id) } else { try sideBySide(store: store, runs: runs) }
        }
    }

    /// Several runs: one column each (labelled as `compare` labels them), one row per class and summary figure.
    func sideBySide(store: Store, runs: [RunRecord]) throws {
        let labels = PipelineLabel.distinct(runs.map { ($0.pipeline, $0.model) })
        let evaluations = try runs.map { try RunEvaluation(store: store, run: $0.id, dataset: dataset) }
        let classes = evaluations[0].classes
        var results: [[String: Any]] = []
        for (e, r) in zip(evaluations, runs) {
            var entry: [String: Any] = ["run_id": r.id, "pipeline": r.pipeline, "model": r.model.map { $0 as Any } ?? NSNull(),
                                        "images": e.imageIDs.count, "detections": e.detections.count]
            switch metric {
            case .voc, .voc07:
                let v = e.voc(metric == .voc ? .area : .elevenPoint)
                entry["mAP"] = v.mAP
                entry["per_class"] = Dictionary(uniqueKeysWithValues: v.perClass.map { (e.classes[Int($0.categoryID)], $0.ap.map { $0 as Any } ?? NSNull()) })
            case .coco:
                let c = e.coco()
                for (l, v) in zip(Self.cocoLabels, c.stats) { entry[l] = v }
                entry["per_class"] = Dictionary(uniqueKeysWithValues: e.classes.enumerated().map { ($1, c.perClass[Int64($0)] ?? -1) })
            }
            results.append(entry)
        }
        let summary = metric == .coco ? ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR100"] : ["mAP"]
        let rows = classes.map { name in (name, results.map { ($0["per_class"] as? [String: Any])?[name] as? Double }) }
            + summary.map { key in (key, results.map { $0[key] as? Double }) }
        print("\(runs.count) runs on dataset \(evaluations[0].dataset), \(metric.rawValue)"
              + (metric == .coco ? " (per class: AP@[.5:.95])" : " (AP at IoU 0.5)"))
        if Set(evaluations.map(\.imageIDs.count)).count > 1 {
            print("note: the runs cover different numbers of the dataset's images: "
                  + zip(labels, evaluations).map { "\($0) \($1.imageIDs.count)" }.joined(separator: ", "))
        }
        let width = max(12, classes.map(\.count).max() ?? 0)
        let columns = labels.map { max(8, $0.count) }
        print(pad("", width) + zip(labels, columns).map { "  " + pad($0, $1) }.joined())
        for (i, row) in rows.enumerated() {
            if i == classes.count { print(String(repeating: "-", count: width + columns.reduce(0) { $0 + $1 + 2 })) }
            print(pad(row.0, width) + zip(row.1, columns).map { v, w in
                "  " + pad(v.map { $0 < 0 ? "n/a" : String(format: "%.4f", $0) } ?? "n/a", w)
            }.joined())
        }
        if json {
            print(jsonLine(["metric": metric.rawValue, "dataset": evaluations[0].dataset, "order": labels,
                            "comparison_id": comparisonID.map { $0 as Any } ?? NSNull(),
                            "runs": Dictionary(uniqueKeysWithValues: zip(labels, results).map { ($0, $1 as Any) })]))
        }
    }

    static let cocoLabels = ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"]

    /// One run: every class and figure, as `detect eval` always printed them.
    func evaluateOne(store: Store, runID: Int64) throws {
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
            let labels = Self.cocoLabels
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
