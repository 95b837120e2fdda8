import Foundation
import Pipelines
import Store

/// `detect compare` as a library call: any pipelines (by default the three
/// papers') on the same images, each after one untimed warm-up image, stored as one comparison;
/// per stage the mean and median milliseconds, and AP50 when the images have
/// ground truth.
public struct ComparisonWorkflow {
    /// A pipeline to compare: its configuration, the file's text and its model.
    public struct Entry {
        public var config: PipelineConfig
        public var configText: String
        public var modelPath: String
        public init(config: PipelineConfig, configText: String, modelPath: String) {
            self.config = config; self.configText = configText; self.modelPath = modelPath
        }
    }

    public struct PipelineResult: Sendable {
        /// The pipeline's name, as stored with its run.
        public var name: String
        public var architecture: PipelineArchitecture
        public var model: String
        /// What tables and JSON call it: the name, or, when two entries share a
        /// name (two models of one pipeline), the name and the model file.
        public var label: String
        public var runID: Int64
        public var images: Int
        public var stages: [(stage: String, ms: [Double])]
        public var ap50: Double?
        public var totalMs: Double { stages.reduce(0) { $0 + Self.mean($1.ms) } }

        public static func mean(_ v: [Double]) -> Double { v.isEmpty ? 0 : v.reduce(0, +) / Double(v.count) }

        public static func median(_ v: [Double]) -> Double {
            guard !v.isEmpty else { return 0 }
            let s = v.sorted()
            return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
        }
    }

    public var store: Store
    public var dataset: String?

    public init(store: Store, dataset: String?) {
        self.store = store
        self.dataset = dataset
    }

    /// The images of the dataset's split (all of them, with a note, when it has no such split).
    public func files(split: String) throws -> [String] {
        let set = try store.loadAnnotations(dataset: try store.resolveDataset(dataset))
        let members = set.splits[split].map { $0.map { set.images[$0] } } ?? {
            printError("note: dataset has no split '\(split)'; using all images")
            return set.images
        }()
        return members.map(\.path)
    }

    /// Runs every entry over `files` as one comparison; returns its id and results.
    public func run(_ entries: [Entry], files: [String]) throws -> (comparisonID: Int64, results: [PipelineResult]) {
        guard !files.isEmpty else { throw WorkflowError.invalid("no JPEG images to compare") }
        let comparisonID = try store.nextComparisonID()
        var results: [PipelineResult] = []
        for entry in entries {
            let config = entry.config
            let pipeline = try DetectionPipeline(config: config, modelPath: entry.modelPath)
            let runner = ImageRunner(store: store, pipeline: pipeline, configText: entry.configText,
                                     scoreThreshold: config.postprocess.scoreThreshold, drawDirectory: nil)
            let r = try runner.run(files: files, comparisonID: comparisonID, warmUp: true)
            let timings = try store.stageTimings(run: r.runID)
            let stages = config.stages.compactMap { s in timings.first { $0.stage == s } } +
                timings.filter { !config.stages.contains($0.stage) }
            var ap50: Double? = nil
            if let e = try? RunEvaluation(store: store, run: r.runID, dataset: dataset), !e.groundTruth.isEmpty {
                ap50 = e.voc(.area).mAP
            }
            results.append(PipelineResult(name: config.name, architecture: config.architecture, model: entry.modelPath,
                                          label: config.name, runID: r.runID, images: r.images, stages: stages, ap50: ap50))
        }
        return (comparisonID, Self.labelled(results))
    }

    /// Gives each result its distinct label (`PipelineLabel`).
    static func labelled(_ results: [PipelineResult]) -> [PipelineResult] {
        var out = results
        for (i, label) in PipelineLabel.distinct(results.map { ($0.name, $0.model) }).enumerated() { out[i].label = label }
        return out
    }

    /// The slowest R-CNN-architecture result: what "× faster than R-CNN" divides.
    public static func rcnnBaseline(_ results: [PipelineResult]) -> PipelineResult? {
        results.filter { $0.architecture == .rcnn && $0.totalMs > 0 }.max { $0.totalMs < $1.totalMs }
    }
}
