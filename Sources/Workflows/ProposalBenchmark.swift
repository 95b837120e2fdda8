import Dispatch
import Foundation
import Boxes
import Imaging
import Proposals
import Store

/// `detect bench proposals` as a library call: selective search on annotated
/// images, timed, and how well its boxes cover the ground truth (recall at IoU
/// 0.5 and 0.7, the best overlap of each object, MABO as in the paper: the
/// mean over classes of the average best overlap).
public struct ProposalBenchmark {
    /// One image to search: where it is, the stem `--list` refers to, its boxes.
    public struct Entry: Sendable {
        public var path: String
        public var stem: String
        public var objects: [AnnotatedObject]
    }

    public var search: SelectiveSearch
    /// Images are downscaled so the longer side is at most this (0: never); only the search is timed.
    public var maxSide: Int
    /// Proposal sides below this many pixels of the original image are dropped.
    public var minSide: Float

    public init(search: SelectiveSearch, maxSide: Int, minSide: Float) {
        self.search = search
        self.maxSide = maxSide
        self.minSide = minSide
    }

    public struct Result: Sendable {
        public var images = 0
        public var seconds = 0.0
        public var cpuSeconds = 0.0
        public var boxCount = 0
        /// Each ground-truth box's class and best IoU with any proposal.
        public var bestOverlaps: [(label: String, iou: Float)] = []
        /// Best overlaps by COCO size (small, medium, large) at the searched scale.
        public var bySize: [[Float]] = [[], [], []]

        var total: Float { Float(max(1, bestOverlaps.count)) }
        public var recall5: Float { Float(bestOverlaps.filter { $0.iou >= 0.5 }.count) / total }
        public var recall7: Float { Float(bestOverlaps.filter { $0.iou >= 0.7 }.count) / total }
        public var aboAll: Float { bestOverlaps.reduce(Float(0)) { $0 + $1.iou } / total }
        public var classABO: [String: (abo: Float, count: Int)] {
            Dictionary(grouping: bestOverlaps, by: \.label).mapValues { list in
                (list.reduce(Float(0)) { $0 + $1.iou } / Float(list.count), list.count)
            }
        }
        public var mabo: Float {
            let abo = classABO
            return abo.isEmpty ? 0 : abo.values.reduce(0) { $0 + $1.abo } / Float(abo.count)
        }
        public var secondsPerImage: Double { images > 0 ? seconds / Double(images) : 0 }
        public var boxesPerImage: Double { images > 0 ? Double(boxCount) / Double(images) : 0 }
    }

    /// Searches every entry; `perImage` receives a line per image and per object (for --verbose).
    public func run(_ entries: [Entry], perImage: (([String]) -> Void)? = nil) -> Result {
        var result = Result()
        for annotation in entries {
            let image: Image
            do { image = try JPEG.decode(path: annotation.path) } catch {
                printError("skipping \(annotation.path): \(error)")
                continue
            }
            let small = maxSide > 0 ? SelectiveSearch.downscaled(image, maxSide: maxSide) : image
            let sx = Float(small.width) / Float(image.width), sy = Float(small.height) / Float(image.height)
            let start = DispatchTime.now().uptimeNanoseconds
            let cpuStart = clock()
            // The search gets the downscaled copy (so only the search is timed);
            // minSide is in the original's pixels, as when it downscales itself.
            var search = search
            search.minSide = minSide * max(sx, sy)
            let proposals = search.proposals(for: small)
            result.cpuSeconds += Double(clock() - cpuStart) / Double(CLOCKS_PER_SEC)
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            result.seconds += elapsed
            result.boxCount += proposals.count
            result.images += 1
            var hits = 0
            var lines: [String] = []
            let gts = annotation.objects.map { Box(x1: $0.box.x1 * sx, y1: $0.box.y1 * sy, x2: $0.box.x2 * sx, y2: $0.box.y2 * sy) }
            // Each ground-truth box's best proposal: the proposals play the matcher's "ground truth" here.
            let (bestIoU, bestIndex) = Matcher.best(groundTruth: proposals, predictions: gts)
            for (k, object) in annotation.objects.enumerated() {
                let gt = gts[k], best = bestIoU[k]
                let bestBox = bestIndex[k] >= 0 ? proposals[bestIndex[k]] : nil
                result.bestOverlaps.append((object.category, best))
                result.bySize[gt.area < 32 * 32 ? 0 : gt.area < 96 * 96 ? 1 : 2].append(best)
                if best >= 0.5 { hits += 1 }
                // Both boxes in the searched (downscaled) image's pixels, 0-based, x2/y2 exclusive.
                let found = bestBox.map { String(format: "(%.0f, %.0f, %.0f, %.0f)", $0.x1, $0.y1, $0.x2, $0.y2) } ?? "none"
                lines.append(String(format: "  %@ %@ (%.0f, %.0f, %.0f, %.0f) best IoU %.3f by %@",
                                    annotation.stem, object.category, gt.x1, gt.y1, gt.x2, gt.y2, best, found))
            }
            perImage?([String(format: "%@  %.3f s  %d boxes  recall@0.5 %d/%d",
                              annotation.stem, elapsed, proposals.count, hits, annotation.objects.count)] + lines)
        }
        return result
    }

    /// The annotated images, sorted by stem, optionally restricted to `--list`.
    /// VOC files are read one by one, so a malformed file or a missing image is
    /// reported and skipped without losing the rest; the one-file formats
    /// (COCO, CSV) and YOLO folders are read whole and rejected whole.
    public static func annotatedImages(annotations: String, format annotationFormat: AnnotationFormat,
                                       imagesDirectory imagesDir: String, list: String?) throws -> [Entry] {
        var entries: [Entry] = []
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: annotations, isDirectory: &isDirectory)
        guard exists else { throw BenchProposalsError.unreadable(path: annotations, reason: "no such file or directory") }
        if annotationFormat == .voc && isDirectory.boolValue {
            let names: [String]
            do { names = try FileManager.default.contentsOfDirectory(atPath: annotations) } catch {
                throw BenchProposalsError.unreadable(path: annotations, reason: "cannot list the folder")
            }
            for name in names.sorted() where name.lowercased().hasSuffix(".xml") {
                let file = (annotations as NSString).appendingPathComponent(name)
                do {
                    let set = try AnnotationFormat.voc.read(path: file, imagesDirectory: imagesDir)
                    for image in set.images {
                        entries.append(Entry(path: image.path, stem: String(name.dropLast(4)), objects: image.objects))
                    }
                } catch {
                    printError("skipping \(error)")
                }
            }
        } else {
            let set = try annotationFormat.read(path: annotations, imagesDirectory: imagesDir)
            for warning in set.warnings { printError("warning: \(warning)") }
            for image in set.images {
                let stem = ((image.fileName as NSString).lastPathComponent as NSString).deletingPathExtension
                entries.append(Entry(path: image.path, stem: stem, objects: image.objects))
            }
            entries.sort { $0.stem < $1.stem }
        }
        if let list {
            let wanted = Set(try ImageFiles.listed(in: list))
            entries = entries.filter { wanted.contains($0.stem) }
        }
        return entries
    }
}

/// Errors of `detect bench proposals`, naming the file at fault.
public enum BenchProposalsError: Error, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case noImages(imagesDir: String, annotationsDir: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "\(path): \(reason)"
        case let .noImages(images, annotations):
            return "no annotated images found: \(annotations) has no annotation file whose image is in \(images)"
        }
    }
}
