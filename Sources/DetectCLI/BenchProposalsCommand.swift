import ArgumentParser
import Boxes
import Dispatch
import Foundation
import Imaging
import Proposals
import Store

extension SelectiveSearch.Mode: ExpressibleByArgument {}

/// `detect bench proposals`: selective search quality and speed on an annotated image folder.
public struct BenchProposals: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "proposals",
        abstract: "Benchmark selective search: seconds, boxes, recall at IoU 0.5/0.7 and MABO per image.",
        discussion: """
            Every image with an annotation file is downscaled so its longer side is at most \
            --max-side (ground truth scaled alike) and searched; the time is that of the search \
            alone (not decoding or resizing). Recall pools all ground-truth boxes; MABO is the \
            mean over classes of each class's average best overlap (Uijlings et al. 2013), and \
            the ABO over all boxes is printed too.
            """)

    @Argument(help: "Folder of JPEG images.")
    public var imagesDir: String

    @Option(help: "Annotations: a folder of VOC XML files (one per image) or of YOLO txt files, or a COCO JSON or CSV file.")
    public var annotations: String

    @Option(help: "Annotation format: voc (Pascal VOC XML), coco (COCO instances JSON), yolo (YOLO txt) or csv (path,x1,y1,x2,y2,class).")
    public var format: String = "voc"

    @Option(help: "Selective search mode: single, fast or quality.")
    public var mode: SelectiveSearch.Mode = .fast

    @Option(help: "Downscale images so the longer side is at most this many pixels (0: never).")
    public var maxSide: Int = 500

    @Option(help: "Drop proposals whose width or height is below this many pixels of the original image.")
    public var minSide: Float = 20

    @Option(help: "Keep at most this many best-ranked proposals per image (0: all).")
    public var maxBoxes: Int = 2000

    @Option(help: "Seed of the pseudo-random ranking.")
    public var seed: UInt64 = 1

    @Option(help: "Only the images whose stems are listed in this file, one per line (e.g. a VOC split).")
    public var list: String?

    @Flag(help: "Print per-image figures and each ground-truth box's best overlap.")
    public var verbose = false

    @Flag(help: "End with one JSON line: mode, images, seconds_per_image, boxes_per_image, recall_at_0_5, recall_at_0_7, mabo.")
    public var json = false

    public init() {}

    public func validate() throws {
        guard AnnotationFormat(rawValue: format.lowercased()) != nil else {
            throw ValidationError("unsupported --format '\(format)': use voc, coco, yolo or csv")
        }
        guard maxSide >= 0 else { throw ValidationError("--max-side must be 0 or positive") }
        guard maxBoxes >= 0 else { throw ValidationError("--max-boxes must be 0 or positive") }
    }

    public func run() throws {
        var search = SelectiveSearch(mode: mode)
        search.maxBoxes = maxBoxes > 0 ? maxBoxes : nil
        search.seed = seed
        let benchmark = ProposalBenchmark(search: search, maxSide: maxSide, minSide: minSide)
        let r = benchmark.run(try annotatedImages(), perImage: verbose && !json ? { $0.forEach { print($0) } } : nil)
        guard r.images > 0 else { throw BenchProposalsError.noImages(imagesDir: imagesDir, annotationsDir: annotations) }
        print("selective search \(mode.rawValue): \(search.strategies.count) hierarchies, max side \(maxSide), "
              + "min side \(minSide), at most \(maxBoxes > 0 ? String(maxBoxes) : "all") boxes")
        print(String(format: "images %d, ground-truth boxes %d", r.images, r.bestOverlaps.count))
        print(String(format: "seconds per image %.4f (CPU time of all threads %.4f)", r.secondsPerImage, r.cpuSeconds / Double(r.images)))
        print(String(format: "boxes per image   %.1f", r.boxesPerImage))
        print(String(format: "recall at IoU 0.5 %.4f", r.recall5))
        print(String(format: "recall at IoU 0.7 %.4f", r.recall7))
        print(String(format: "MABO (mean of class ABOs) %.4f, ABO over all boxes %.4f", r.mabo, r.aboAll))
        for (label, c) in r.classABO.sorted(by: { $0.key < $1.key }) {
            print(String(format: "  ABO %@ %.4f (%d boxes)", label, c.abo, c.count))
        }
        for (name, overlaps) in zip(["small (< 32² px)", "medium", "large (≥ 96² px)"], r.bySize) where !overlaps.isEmpty {
            let n = Float(overlaps.count)
            print(String(format: "  %@ at the searched scale: %d boxes, ABO %.4f, recall@0.5 %.4f, @0.7 %.4f", name,
                         overlaps.count, overlaps.reduce(0, +) / n,
                         Float(overlaps.filter { $0 >= 0.5 }.count) / n, Float(overlaps.filter { $0 >= 0.7 }.count) / n))
        }
        if json {
            print("{\"mode\": \"\(mode.rawValue)\", \"images\": \(r.images), "
                  + "\"seconds_per_image\": \(rounded(r.secondsPerImage, 6)), \"boxes_per_image\": \(rounded(r.boxesPerImage, 3)), "
                  + "\"recall_at_0_5\": \(rounded(Double(r.recall5), 6)), \"recall_at_0_7\": \(rounded(Double(r.recall7), 6)), "
                  + "\"mabo\": \(rounded(Double(r.mabo), 6))}")
        }
    }

    typealias Entry = ProposalBenchmark.Entry

    /// The annotated images, sorted by stem, optionally restricted to `--list`
    /// (VOC files one by one, so a malformed one is reported and skipped).
    func annotatedImages() throws -> [Entry] {
        try ProposalBenchmark.annotatedImages(annotations: annotations, format: AnnotationFormat(rawValue: format.lowercased())!,
                                              imagesDirectory: imagesDir, list: list)
    }

    private func rounded(_ v: Double, _ places: Int) -> String {
        String(format: "%.\(places)f", v)
    }
}
