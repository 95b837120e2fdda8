import Foundation
import Imaging
import Pipelines
import Store
import Training

/// Runs one loaded pipeline over files and stores the results image by image.
/// Resuming, hashing, store writes and drawing live here so that any front end
/// (the CLI, a server) runs a folder the same way.
public struct ImageRunner {
    public let store: Store
    public let pipeline: DetectionPipeline
    public let configText: String
    public let scoreThreshold: Float
    public let drawDirectory: String?
    /// The subfolder of `drawDirectory` for this pipeline's pictures (default:
    /// its name; a distinct label when two models of one pipeline run together).
    public var drawSubfolder: String?
    public var showProgress = true

    public init(store: Store, pipeline: DetectionPipeline, configText: String, scoreThreshold: Float,
                drawDirectory: String?, showProgress: Bool = true) {
        self.store = store
        self.pipeline = pipeline
        self.configText = configText
        self.scoreThreshold = scoreThreshold
        self.drawDirectory = drawDirectory
        self.showProgress = showProgress
    }

    public struct Result: Sendable {
        public var runID: Int64
        public var runUUID = ""
        public var images = 0
        public var detections = 0
        public var resumedImages = 0
        public var skipped: [String] = []
        public var meanMilliseconds = 0.0
    }

    public func run(files: [String], comparisonID: Int64?, warmUp: Bool = false, shard: Shard? = nil, group: String? = nil) throws -> Result {
        // The model's bytes are part of the configuration: retraining into the
        // same file starts a new run instead of resuming the old one.
        let modelHash = (try? ContentHash.sha256(path: pipeline.modelPath)) ?? "unknown"
        let configuration = configText + "\n# score_threshold: \(scoreThreshold)\n# model_sha256: \(modelHash)\n"
        let (runID, _) = try store.startRun(pipeline: pipeline.config.name, model: pipeline.modelPath,
                                            configuration: configuration, comparisonID: comparisonID, shard: shard, group: group)
        var result = Result(runID: runID)
        result.runUUID = try store.run(runID)?.uuid ?? ""
        let donePaths = try store.finishedPaths(run: runID)
        var bar = ProgressBar(total: files.count, label: "[\(pipeline.config.name)]")
        var totalMs = 0.0
        var warmedUp = !warmUp
        for (n, path) in files.enumerated() {
            defer { if showProgress { bar.update(n + 1, detail: "") } }
            // Bytes read once: hashed, then decoded (and drawn) from memory.
            let data: Data, header: JPEGHeader, hash: String
            do {
                let bytes = try JPEG.readFile(path)
                (data, header, hash) = (bytes, try JPEGHeader.parse(bytes, path: path), ContentHash.sha256(bytes))
            } catch {
                printError("skipping \(path): \(error)")
                result.skipped.append(path)
                continue
            }
            if donePaths.contains(path) { result.resumedImages += 1; result.images += 1; continue }
            if let original = try store.finishedImage(run: runID, contentHash: hash) {
                // A byte-identical copy of a file this run detected: its own image, the same results.
                try store.recordCopy(run: runID, path: path, of: original)
                result.images += 1
                result.detections += try store.detectionCount(run: runID, image: original)
                continue
            }
            let out: (detections: [Detection], timings: [(stage: String, ms: Double)], width: Int, height: Int)
            do {
                if !warmedUp {
                    // One untimed image first, so lazy set-up does not count against stage one.
                    _ = try pipeline.detect(data: data, path: path)
                    warmedUp = true
                }
                out = try pipeline.detect(data: data, path: path)
            } catch {
                printError("skipping \(path): \(error)")
                result.skipped.append(path)
                continue
            }
            let kept = out.detections.filter { $0.score >= scoreThreshold }
            // The image row and its results land together; a store error (a lock
            // held past the busy timeout) stops the run: nothing is lost, and
            // running the command again resumes after the last stored image.
            try store.recordImage(run: runID, path: path, width: header.width, height: header.height, contentHash: hash,
                                  fileSize: data.count, detections: kept.map {
                StoredDetection(imageID: 0, category: pipeline.classes[$0.label], score: $0.score, box: $0.box)
            }, timings: out.timings)
            totalMs += out.timings.reduce(0) { $0 + $1.ms }
            result.images += 1
            result.detections += kept.count
            if let drawDirectory {
                do { try drawAnnotated(data: data, path: path, detections: kept, into: drawDirectory) } catch {
                    printError("cannot draw \(path): \(error)")
                }
            }
        }
        if showProgress { bar.finish() }
        let measured = result.images - result.resumedImages
        result.meanMilliseconds = measured > 0 ? totalMs / Double(measured) : 0
        try store.finishRun(runID)
        return result
    }

    public func drawAnnotated(data: Data, path: String, detections: [Detection], into directory: String) throws {
        var image = try JPEG.decode(data: data, path: path)
        for d in detections {
            image.drawDetection(x1: d.box.x1, y1: d.box.y1, x2: d.box.x2, y2: d.box.y2,
                                label: "\(pipeline.classes[d.label]) \(String(format: "%.2f", d.score))",
                                color: Color.forClass(d.label))
        }
        let dir = URL(fileURLWithPath: directory).appendingPathComponent(drawSubfolder ?? pipeline.config.name)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent + ".jpg"
        try JPEG.write(image, to: dir.appendingPathComponent(name).path, quality: 90)
    }
}
