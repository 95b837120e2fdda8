import ArgumentParser
import Foundation
import Imaging
import Store
import InputFiles

/// `detect bench io`: how fast images and annotations get in: JPEG header reads,
/// content hashing, and importing the BCCD annotations into a fresh store.
public struct BenchIOCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "io",
        abstract: "Measure JPEG decoding, content hashing and BCCD annotation import/export speed.")

    @Option(help: ArgumentHelp("BCCD dataset directory (with images/ and annotations/); by default "
                               + "datasets/bccd of the repository the detect executable belongs to.",
                               valueName: "dir"))
    public var data: String?

    @Option(help: ArgumentHelp("Times each measurement is repeated; the median is reported.", valueName: "n"))
    public var `repeat`: Int = 3

    @Flag(help: "Print the figures as one JSON object on the last line.")
    public var json = false

    public init() {}

    public func validate() throws {
        guard `repeat` >= 1 else { throw ValidationError("--repeat must be at least 1") }
    }

    public func run() throws {
        try reportingFailure {
            let root = try locateData()
            let imagesDirectory = (root as NSString).appendingPathComponent("images")
            let annotations = (root as NSString).appendingPathComponent("annotations")
            let images = try FileManager.default.contentsOfDirectory(atPath: imagesDirectory)
                .filter { ["jpg", "jpeg"].contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
                .map { (imagesDirectory as NSString).appendingPathComponent($0) }
            guard !images.isEmpty else { throw ValidationError("\(imagesDirectory): no JPEG images") }
            let bytes = try images.map { try JPEG.readFile($0) }
            let totalBytes = bytes.reduce(0) { $0 + $1.count }
            print("bench io: \(images.count) JPEGs, \(String(format: "%.1f", Double(totalBytes) / 1e6)) MB from \(root)")
            print("build: \(BenchSupport.buildConfiguration), median of \(`repeat`)")

            var megapixels = 0.0
            let headerSeconds = try BenchSupport.medianSeconds(repeats: `repeat`) {
                megapixels = 0
                for path in images {
                    let header = try JPEGHeader.read(path: path)
                    megapixels += Double(header.width * header.height) / 1e6
                }
            }
            // Decoding from memory, so disk and page cache do not blur the codec's figure;
            // decoding from the files adds reading them.
            let decodeSeconds = try BenchSupport.medianSeconds(repeats: `repeat`) {
                for (path, data) in zip(images, bytes) { _ = try JPEG.decode(data: data, path: path) }
            }
            let decodeFileSeconds = try BenchSupport.medianSeconds(repeats: `repeat`) { for path in images { _ = try JPEG.decode(path: path) } }
            let hashSeconds = try BenchSupport.medianSeconds(repeats: `repeat`) { for data in bytes { _ = ContentHash.sha256(data) } }

            let scratch = (NSTemporaryDirectory() as NSString).appendingPathComponent("detect-bench-io-\(getpid())")
            try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: scratch) }
            var run = 0
            var boxes = 0
            var store: Store! = nil
            let importSeconds = try BenchSupport.medianSeconds(repeats: `repeat`) {
                run += 1
                store = try Store(path: (scratch as NSString).appendingPathComponent("bench-\(run).sqlite"))
                boxes = try store.importAnnotations(from: annotations, format: .voc, dataset: "bccd").annotations
            }
            let cocoFile = (scratch as NSString).appendingPathComponent("bccd.json")
            let exportSeconds = try BenchSupport.medianSeconds(repeats: `repeat`) { try store.exportAnnotations(dataset: "bccd", format: .coco, to: cocoFile) }
            let cocoImportSeconds = try BenchSupport.medianSeconds(repeats: `repeat`) {
                run += 1
                let fresh = try Store(path: (scratch as NSString).appendingPathComponent("bench-\(run).sqlite"))
                try fresh.importAnnotations(from: cocoFile, format: .coco, imagesDirectory: imagesDirectory, dataset: "bccd")
            }

            func row(_ label: String, _ value: String) { print("  " + label.padding(toLength: 34, withPad: " ", startingAt: 0) + value) }
            row("JPEG header read", String(format: "%.0f images/s (%.1f MP of pictures)", Double(images.count) / headerSeconds, megapixels))
            row("JPEG decode (from memory)", String(format: "%.1f MP/s  (%.1f ms per image)",
                                                  megapixels / decodeSeconds, 1000 * decodeSeconds / Double(images.count)))
            row("JPEG decode (from files)", String(format: "%.1f MP/s", megapixels / decodeFileSeconds))
            row("SHA-256 content hash", String(format: "%.0f MB/s", Double(totalBytes) / 1e6 / hashSeconds))
            row("BCCD VOC import (fresh store)", String(format: "%.3f s  (%d images, %d boxes, %.0f images/s)",
                                                      importSeconds, images.count, boxes, Double(images.count) / importSeconds))
            row("BCCD COCO export", String(format: "%.3f s", exportSeconds))
            row("BCCD COCO import (fresh store)", String(format: "%.3f s", cocoImportSeconds))
            if json {
                print(jsonLine([
                    "images": images.count, "megabytes": Double(totalBytes) / 1e6,
                    "jpeg_header_images_per_second": Double(images.count) / headerSeconds,
                    "jpeg_decode_megapixels_per_second": megapixels / decodeSeconds,
                    "jpeg_decode_file_megapixels_per_second": megapixels / decodeFileSeconds,
                    "sha256_megabytes_per_second": Double(totalBytes) / 1e6 / hashSeconds,
                    "bccd_import_seconds": importSeconds, "bccd_boxes": boxes,
                    "coco_export_seconds": exportSeconds, "coco_import_seconds": cocoImportSeconds,
                    "build": BenchSupport.buildConfiguration,
                ]))
            }
        }
    }

    private func locateData() throws -> String {
        if let data {
            guard FileManager.default.fileExists(atPath: (data as NSString).appendingPathComponent("annotations")) else {
                throw ValidationError("\(data): not a BCCD directory (no annotations/ inside)")
            }
            return InputFile.absolute(data)
        }
        // The repository's own BCCD, found from the executable like the pipeline files.
        if let found = PipelineLocator.locate("datasets/bccd/annotations", directory: true) {
            return (found as NSString).deletingLastPathComponent
        }
        throw ValidationError("the bundled BCCD dataset (datasets/bccd) was not found next to the detect executable; pass --data DIR")
    }
}
