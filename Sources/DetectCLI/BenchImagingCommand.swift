import ArgumentParser
import Dispatch
import Foundation
import Imaging

/// `detect bench imaging`: how fast pictures are decoded, encoded, resized and
/// turned into R-CNN's warped regions on this machine. Figures are printed,
/// never asserted.
public struct BenchImagingCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "imaging",
        abstract: "Measure JPEG decode/encode, bilinear resize and R-CNN region warping speed.",
        discussion: """
            Decoding reads every JPEG of the folder from memory (file reading is not timed); \
            the other figures use the first image. Region warping samples --regions \
            pseudo-random boxes into --size x --size inputs with 16 px context padding, \
            --batch regions at a time into one reused buffer, as the R-CNN pipeline does.
            """)

    @Option(help: ArgumentHelp("Folder of JPEG images; by default the BCCD images at "
                               + "datasets/bccd/images (bundled).",
                               valueName: "dir"))
    public var images: String?

    @Option(help: ArgumentHelp("Times each measurement is repeated; the median is reported.", valueName: "n"))
    public var `repeat`: Int = 3

    @Option(help: ArgumentHelp("Number of regions to warp (R-CNN uses about 2000 per image).", valueName: "n"))
    public var regions: Int = 2000

    @Option(help: ArgumentHelp("Side of each warped region in pixels (227 for AlexNet).", valueName: "px"))
    public var size: Int = 227

    @Option(help: ArgumentHelp("Regions warped per batch into one reused buffer.", valueName: "n"))
    public var batch: Int = 128

    @Flag(help: "Print the figures as one JSON object on the last line.")
    public var json = false

    public init() {}

    public func validate() throws {
        guard `repeat` >= 1 else { throw ValidationError("--repeat must be at least 1") }
        guard regions >= 1 else { throw ValidationError("--regions must be at least 1") }
        guard size > 32 else { throw ValidationError("--size must exceed twice the 16 px padding") }
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
    }

    public func run() throws {
        let folder = try locateImages()
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { ["jpg", "jpeg"].contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
        guard !names.isEmpty else { throw ValidationError("\(folder): no JPEG images") }
        let paths = names.map { (folder as NSString).appendingPathComponent($0) }
        let files = try paths.map { path -> Data in
            do { return try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
                throw ImagingError.unreadable(path: path, reason: "cannot read")
            }
        }
        var megapixels = 0.0
        let decodeSeconds = try BenchSupport.medianSeconds(repeats: `repeat`) {
            megapixels = 0
            for (data, path) in zip(files, paths) {
                let image = try JPEG.decode(data: data, path: path)
                megapixels += Double(image.width * image.height) / 1e6
            }
        }
        let first = try JPEG.decode(data: files[0], path: paths[0])
        let halfSize = (width: (first.width + 1) / 2, height: (first.height + 1) / 2)
        let reducedSeconds = try BenchSupport.medianSeconds(repeats: `repeat`) {
            for (data, path) in zip(files, paths) { _ = try JPEG.decode(data: data, path: path, minimumSize: halfSize) }
        }
        let encodeRounds = 20
        var encodedBytes = 0
        let encodeSeconds = try BenchSupport.medianSeconds(repeats: `repeat`) {
            for _ in 0..<encodeRounds { encodedBytes = try JPEG.encode(first, quality: 90).count }
        } / Double(encodeRounds)
        let scaled = first.resized(shorterSide: 600, maxLongerSide: 1000).image
        let resizeRounds = 20
        let resizeSeconds = try BenchSupport.medianSeconds(repeats: `repeat`) {
            for _ in 0..<resizeRounds { _ = first.resized(width: scaled.width, height: scaled.height) }
        } / Double(resizeRounds)

        // Boxes spread over the picture, some crossing its border, sizes 8 px to
        // most of the image, from a fixed linear congruential sequence.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(state >> 40) / Float(1 << 24)
        }
        let w = Float(first.width), h = Float(first.height)
        let boxes: [BoxCorners] = (0..<regions).map { _ in
            let bw = 8 + next() * 0.8 * w, bh = 8 + next() * 0.8 * h
            let x1 = next() * (w - bw / 2) - bw / 4, y1 = next() * (h - bh / 2) - bh / 4
            return (x1, y1, x1 + bw, y1 + bh)
        }
        let mean = SIMD3<Float>(123.7, 116.3, 103.5)
        let warp = RegionWarp(size: size, padding: 16, fill: mean)
        var buffer = [Float](repeating: 0, count: min(batch, regions) * 3 * size * size)
        let warpSeconds = try BenchSupport.medianSeconds(repeats: `repeat`) {
            buffer.withUnsafeMutableBufferPointer { out in
                var start = 0
                while start < boxes.count {
                    let end = min(start + batch, boxes.count)
                    warp.warp(first, boxes: Array(boxes[start..<end]), into: out, subtract: mean)
                    start = end
                }
            }
        }

        func row(_ label: String, _ value: String) {
            print("  " + label.padding(toLength: 36, withPad: " ", startingAt: 0) + value)
        }
        print("bench imaging: \(files.count) JPEGs from \(folder), first \(first.width)x\(first.height)")
        print("build: \(BenchSupport.buildConfiguration), \(ProcessInfo.processInfo.activeProcessorCount) cores, median of \(`repeat`)")
        row("JPEG decode (full size)", String(format: "%.1f MP/s, %.0f images/s", megapixels / decodeSeconds,
                                              Double(files.count) / decodeSeconds))
        row("JPEG decode (1/2 scale in DCT)", String(format: "%.0f images/s", Double(files.count) / reducedSeconds))
        row("JPEG encode (quality 90)", String(format: "%.2f ms per image, %d bytes", encodeSeconds * 1000, encodedBytes))
        row("bilinear resize to \(scaled.width)x\(scaled.height)", String(format: "%.2f ms", resizeSeconds * 1000))
        row("R-CNN warp to \(size)x\(size), p=16", String(format: "%.0f regions/s (%d regions: %.3f s)",
                                                          Double(regions) / warpSeconds, regions, warpSeconds))
        if json {
            let fields: [(String, String)] = [
                ("images", "\(files.count)"),
                ("decode_megapixels_per_second", String(format: "%.3f", megapixels / decodeSeconds)),
                ("decode_images_per_second", String(format: "%.3f", Double(files.count) / decodeSeconds)),
                ("decode_half_scale_images_per_second", String(format: "%.3f", Double(files.count) / reducedSeconds)),
                ("encode_milliseconds", String(format: "%.4f", encodeSeconds * 1000)),
                ("resize_milliseconds", String(format: "%.4f", resizeSeconds * 1000)),
                ("warp_regions_per_second", String(format: "%.3f", Double(regions) / warpSeconds)),
                ("warp_size", "\(size)"),
                ("build", "\"\(BenchSupport.buildConfiguration)\""),
            ]
            print("{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}")
        }
    }

    private func locateImages() throws -> String {
        if let images { return (images as NSString).standardizingPath }
        let cwd = FileManager.default.currentDirectoryPath
        for candidate in ["datasets/bccd/images", "../shared/datasets/bccd/images"] {
            let path = ((cwd as NSString).appendingPathComponent(candidate) as NSString).standardizingPath
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                return path
            }
        }
        throw ValidationError("BCCD images not found from \(cwd); pass --images DIR")
    }
}
