import ArgumentParser
import Foundation
import Imaging
import Pipelines
import Store
import Training

/// `detect run`: runs one or all pipelines over JPEG files and folders,
/// storing one run per pipeline with its detections and per-stage timings.
public struct RunCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Detect objects in JPEG images with R-CNN, Fast R-CNN, Faster R-CNN or all three.",
        discussion: """
            Folders are searched recursively for .jpg/.jpeg files (any case). Each image's results are \
            stored in one transaction; re-running the same command resumes an interrupted run without \
            duplicating rows. Unreadable or corrupt files are reported and skipped.
            """)

    @Argument(help: ArgumentHelp("JPEG files or folders.", valueName: "path"))
    var paths: [String] = []

    @Option(help: ArgumentHelp("Also process the JPEG files listed in this file, one path per line.", valueName: "list"))
    var filesFrom: String?

    @Option(help: ArgumentHelp("Process only shard K of N (K/N, 0-based): files whose path hash modulo N is K. auto/N takes K from JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or SLURM_ARRAY_TASK_ID; auto also takes N from SLURM_ARRAY_TASK_COUNT.", valueName: "K/N"))
    var shard: String?

    @Option(help: ArgumentHelp("Name shared by the shards of one logical run (default: DETECT_RUN_GROUP or slurm-$SLURM_ARRAY_JOB_ID).", valueName: "name"))
    var runGroup: String?

    @Option(help: ArgumentHelp("rcnn, fast-rcnn, faster-rcnn, all, or a pipeline YAML file.", valueName: "name"))
    var pipeline: String = "faster-rcnn"

    @Option(help: ArgumentHelp("Model weights (default: the pipeline file's model). Only with a single pipeline.", valueName: "file"))
    var model: String?

    @Option(help: ArgumentHelp("Write annotated copies of the images into this folder, one subfolder per pipeline.", valueName: "dir"))
    var draw: String?

    @Option(help: ArgumentHelp("Keep detections scoring at least this (default: the pipeline file's threshold).", valueName: "x"))
    var scoreThreshold: Float?

    @Option(help: ArgumentHelp("Skip images whose JPEG header claims more megapixels than this, before decoding.", valueName: "n"))
    var maxMegapixels: Int = 200

    @Flag(help: "Print a JSON summary as the last line.")
    var json = false

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var pipelineDirectory: PipelineDirectoryOption

    public init() {}

    public func validate() throws {
        if model != nil && pipeline == "all" { throw ValidationError("--model needs a single --pipeline") }
        if paths.isEmpty && filesFrom == nil { throw ValidationError("give JPEG files or folders, or --files-from LIST") }
        if !(1...100_000).contains(maxMegapixels) { throw ValidationError("--max-megapixels must be within 1...100000") }
        if let t = scoreThreshold, !(0...1).contains(t) { throw ValidationError("--score-threshold must be within 0...1") }
    }

    public func run() throws {
        try reportingFailure {
            JPEG.maximumPixels = maxMegapixels * 1_000_000
            let shard = try self.shard.map { try Sharding.parse($0) }
            let group = runGroup ?? (shard != nil ? Sharding.group() : nil)
            let found = try ImageFiles.findFiles(paths + (try filesFrom.map(ImageFiles.listed) ?? []))
            let files = Sharding.select(found, shard: shard).map(\.path)
            if let shard { printError("shard \(shard): \(files.count) of \(found.count) files") }
            let names = pipeline == "all" ? PipelineKind.allCases.map(\.rawValue) : [pipeline]
            let store = try database.open()
            var runs: [[String: Any]] = []
            var skippedFiles = Set<String>()
            var imageCount = 0
            for name in names {
                var (config, configPath) = try PipelineLocator.load(name)
                // The detector filters by its own threshold first: a lower one asked
                // for here must reach it, or it could never go below the file's.
                if let scoreThreshold { config.postprocess.scoreThreshold = scoreThreshold }
                let modelPath = model ?? PipelineLocator.modelPath(for: config, configPath: configPath)
                let detector = try DetectionPipeline(config: config, modelPath: modelPath)
                let runner = ImageRunner(store: store, pipeline: detector, configText: try String(contentsOfFile: configPath, encoding: .utf8),
                                         scoreThreshold: scoreThreshold ?? config.postprocess.scoreThreshold, drawDirectory: draw)
                let result = try runner.run(files: files, comparisonID: nil, shard: shard, group: group)
                skippedFiles.formUnion(result.skipped)
                imageCount = max(imageCount, result.images)
                var entry: [String: Any] = ["pipeline": config.name.rawValue, "run_id": result.runID, "run_uuid": result.runUUID]
                if let shard { entry["shard"] = shard.description }
                runs.append(entry)
                print("\(config.name.rawValue): run \(result.runID), \(result.images) images, \(result.detections) detections" +
                      (result.resumedImages > 0 ? " (\(result.resumedImages) already done)" : "") +
                      String(format: ", %.0f ms per image", result.meanMilliseconds))
            }
            if !skippedFiles.isEmpty { print("skipped \(skippedFiles.count) unreadable file(s)") }
            if json {
                var summary: [String: Any] = ["run_id": runs.first?["run_id"] ?? NSNull(), "runs": runs,
                                              "images": imageCount, "skipped": skippedFiles.count]
                if let shard { summary["shard"] = shard.description; summary["files_total"] = found.count; summary["files_in_shard"] = files.count }
                print(jsonLine(summary))
            }
        }
    }
}

/// Finds JPEG files under the given paths, sorted, without duplicates.
enum ImageFiles {
    /// A file found, and its sharding key: its path relative to the folder
    /// named on the command line, or the path as given.
    struct File: Equatable {
        var path: String
        var key: String
    }

    static func find(_ paths: [String]) throws -> [String] { try findFiles(paths).map(\.path) }

    static func findFiles(_ paths: [String]) throws -> [File] {
        var out: [File] = []
        let fm = FileManager.default
        for p in paths {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: p, isDirectory: &isDir) else {
                throw ValidationError("\(p): no such file or folder")
            }
            if isDir.boolValue {
                guard let e = fm.enumerator(atPath: p) else { continue }
                var found: [File] = []
                for case let rel as String in e where isJPEG(rel) {
                    found.append(File(path: URL(fileURLWithPath: p).appendingPathComponent(rel).standardized.path, key: rel))
                }
                out += found.sorted { $0.path < $1.path }
            } else {
                out.append(File(path: URL(fileURLWithPath: p).standardized.path, key: p))
            }
        }
        var seen = Set<String>()
        return out.filter { seen.insert($0.path).inserted }
    }

    /// The files listed in `list`, one path per line (relative paths against the
    /// current folder; blank lines and `#` comments skipped).
    static func listed(in list: String) throws -> [String] {
        let text: String
        do { text = try String(contentsOfFile: list, encoding: .utf8) } catch {
            throw ValidationError("\(list): cannot read the file list")
        }
        return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }

    static func isJPEG(_ name: String) -> Bool {
        let ext = (name as NSString).pathExtension.lowercased()
        return ext == "jpg" || ext == "jpeg"
    }
}

/// Runs one loaded pipeline over files and stores the results image by image.
struct ImageRunner {
    let store: Store
    let pipeline: DetectionPipeline
    let configText: String
    let scoreThreshold: Float
    let drawDirectory: String?
    var showProgress = true

    struct Result {
        var runID: Int64
        var runUUID = ""
        var images = 0
        var detections = 0
        var resumedImages = 0
        var skipped: [String] = []
        var meanMilliseconds = 0.0
    }

    func run(files: [String], comparisonID: Int64?, warmUp: Bool = false, shard: Shard? = nil, group: String? = nil) throws -> Result {
        // The model's bytes are part of the configuration: retraining into the
        // same file starts a new run instead of resuming the old one.
        let modelHash = (try? ContentHash.sha256(path: pipeline.modelPath)) ?? "unknown"
        let configuration = configText + "\n# score_threshold: \(scoreThreshold)\n# model_sha256: \(modelHash)\n"
        let (runID, _) = try store.startRun(pipeline: pipeline.config.name.rawValue, model: pipeline.modelPath,
                                            configuration: configuration, comparisonID: comparisonID, shard: shard, group: group)
        var result = Result(runID: runID)
        result.runUUID = try store.run(runID)?.uuid ?? ""
        var doneImages = try store.finishedImageIDs(run: runID)
        let donePaths = try store.finishedPaths(run: runID)
        var bar = ProgressBar(total: files.count, label: "[\(pipeline.config.name.rawValue)]")
        var totalMs = 0.0
        var warmedUp = !warmUp
        for (n, path) in files.enumerated() {
            defer { if showProgress { bar.update(n + 1, detail: "") } }
            // Bytes read once: hashed, then decoded (and drawn) from memory.
            let data: Data, header: JPEGHeader, hash: String
            do {
                guard let bytes = FileManager.default.contents(atPath: path) else {
                    throw ImagingError.unreadable(path: path, reason: "cannot read file")
                }
                (data, header, hash) = (bytes, try JPEGHeader.parse(bytes, path: path), ContentHash.sha256(bytes))
            } catch {
                printError("skipping \(path): \(error)")
                result.skipped.append(path)
                continue
            }
            if donePaths.contains(path) { result.resumedImages += 1; result.images += 1; continue }
            if let known = try store.existingImageID(contentHash: hash, path: path), doneImages.contains(known) {
                // The same bytes under another path: the same results, findable by this path too.
                try store.addRunFile(run: runID, path: path, image: known)
                result.images += 1
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
            let imageID = try store.recordImage(run: runID, path: path, width: header.width, height: header.height, contentHash: hash,
                                  fileSize: data.count, detections: kept.map {
                StoredDetection(imageID: 0, category: pipeline.classes[$0.label], score: $0.score, box: $0.box)
            }, timings: out.timings)
            doneImages.insert(imageID)
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

    func drawAnnotated(data: Data, path: String, detections: [Detection], into directory: String) throws {
        var image = try JPEG.decode(data: data, path: path)
        for d in detections {
            image.drawDetection(x1: d.box.x1, y1: d.box.y1, x2: d.box.x2, y2: d.box.y2,
                                label: "\(pipeline.classes[d.label]) \(String(format: "%.2f", d.score))",
                                color: Color.forClass(d.label))
        }
        let dir = URL(fileURLWithPath: directory).appendingPathComponent(pipeline.config.name.rawValue)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent + ".jpg"
        try JPEG.write(image, to: dir.appendingPathComponent(name).path, quality: 90)
    }
}
