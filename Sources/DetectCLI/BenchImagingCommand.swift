import ArgumentParser
import Dispatch
import Foundation
import Imaging
import InputFiles

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
                               + "datasets/bccd/images of the repository the detect executable belongs to.",
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
        let f = try ImagingBenchmark(repeats: `repeat`, regions: regions, size: size, batch: batch).run(folder: folder)
        let (megapixels, decodeSeconds, reducedSeconds) = (f.megapixels, f.decodeSeconds, f.reducedSeconds)
        let (encodeSeconds, resizeSeconds, warpSeconds, encodedBytes) = (f.encodeSeconds, f.resizeSeconds, f.warpSeconds, f.encodedBytes)
        let files = (count: f.images, ())
        let first = (width: f.firstWidth, height: f.firstHeight)
        let scaled = (width: f.resizedWidth, height: f.resizedHeight)

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
        if let images { return InputFile.absolute(images) }
        // The repository's own BCCD images, found from the executable like the pipeline files.
        if let found = PipelineLocator.locate("datasets/bccd/images", directory: true) { return found }
        throw ValidationError("the bundled BCCD images (datasets/bccd/images) were not found next to the detect executable; pass --images DIR")
    }
}
