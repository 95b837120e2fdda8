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
        let entries = try annotatedImages()
        var search = SelectiveSearch(mode: mode)
        search.minSide = minSide
        search.maxBoxes = maxBoxes > 0 ? maxBoxes : nil
        search.seed = seed

        var seconds = 0.0, cpuSeconds = 0.0, boxCount = 0, images = 0
        var bestOverlaps: [(label: String, iou: Float)] = []
        var bySize: [[Float]] = [[], [], []]   // COCO's small / medium / large, at the searched scale
        for annotation in entries {
            let stem = annotation.stem
            let image: Image
            do { image = try JPEG.decode(path: annotation.path) } catch {
                FileHandle.standardError.write(Data("skipping \(annotation.path): \(error)\n".utf8))
                continue
            }
            let small = maxSide > 0 ? SelectiveSearch.downscaled(image, maxSide: maxSide) : image
            let sx = Float(small.width) / Float(image.width), sy = Float(small.height) / Float(image.height)
            let start = DispatchTime.now().uptimeNanoseconds
            let cpuStart = clock()
            // The search gets the downscaled copy (so only the search is timed);
            // --min-side is in the original's pixels, as when it downscales itself.
            var search = search
            search.minSide = minSide * max(sx, sy)
            let proposals = search.proposals(for: small)
            cpuSeconds += Double(clock() - cpuStart) / Double(CLOCKS_PER_SEC)
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            seconds += elapsed
            boxCount += proposals.count
            images += 1
            var hits = 0
            var objectLines: [String] = []
            for object in annotation.objects {
                let gt = Box(x1: object.box.x1 * sx, y1: object.box.y1 * sy,
                             x2: object.box.x2 * sx, y2: object.box.y2 * sy)
                var best: Float = 0, bestBox: Box?
                for p in proposals {
                    let o = gt.iou(p)
                    if o > best { best = o; bestBox = p }
                }
                bestOverlaps.append((object.category, best))
                bySize[gt.area < 32 * 32 ? 0 : gt.area < 96 * 96 ? 1 : 2].append(best)
                if best >= 0.5 { hits += 1 }
                // Both boxes in the searched (downscaled) image's pixels, 0-based, x2/y2 exclusive.
                let found = bestBox.map { String(format: "(%.0f, %.0f, %.0f, %.0f)", $0.x1, $0.y1, $0.x2, $0.y2) } ?? "none"
                objectLines.append(String(format: "  %@ %@ (%.0f, %.0f, %.0f, %.0f) best IoU %.3f by %@",
                                          stem, object.category, gt.x1, gt.y1, gt.x2, gt.y2, best, found))
            }
            if verbose && !json {
                print(String(format: "%@  %.3f s  %d boxes  recall@0.5 %d/%d",
                             stem, elapsed, proposals.count, hits, annotation.objects.count))
                objectLines.forEach { print($0) }
            }
        }
        guard images > 0 else {
            throw BenchProposalsError.noImages(imagesDir: imagesDir, annotationsDir: annotations)
        }
        let total = Float(max(1, bestOverlaps.count))
        let recall5 = Float(bestOverlaps.filter { $0.iou >= 0.5 }.count) / total
        let recall7 = Float(bestOverlaps.filter { $0.iou >= 0.7 }.count) / total
        let aboAll = bestOverlaps.reduce(Float(0)) { $0 + $1.iou } / total
        let byClass = Dictionary(grouping: bestOverlaps, by: \.label)
        let classABO = byClass.mapValues { list in list.reduce(Float(0)) { $0 + $1.iou } / Float(list.count) }
        let mabo = classABO.isEmpty ? 0 : classABO.values.reduce(0, +) / Float(classABO.count)
        let perImage = seconds / Double(images)
        let boxesPerImage = Double(boxCount) / Double(images)

        print("selective search \(mode.rawValue): \(search.strategies.count) hierarchies, max side \(maxSide), "
              + "min side \(minSide), at most \(maxBoxes > 0 ? String(maxBoxes) : "all") boxes")
        print(String(format: "images %d, ground-truth boxes %d", images, bestOverlaps.count))
        print(String(format: "seconds per image %.4f (CPU time of all threads %.4f)",
                     perImage, cpuSeconds / Double(images)))
        print(String(format: "boxes per image   %.1f", boxesPerImage))
        print(String(format: "recall at IoU 0.5 %.4f", recall5))
        print(String(format: "recall at IoU 0.7 %.4f", recall7))
        print(String(format: "MABO (mean of class ABOs) %.4f, ABO over all boxes %.4f", mabo, aboAll))
        for (label, abo) in classABO.sorted(by: { $0.key < $1.key }) {
            print(String(format: "  ABO %@ %.4f (%d boxes)", label, abo, byClass[label]!.count))
        }
        for (name, overlaps) in zip(["small (< 32² px)", "medium", "large (≥ 96² px)"], bySize) where !overlaps.isEmpty {
            let n = Float(overlaps.count)
            print(String(format: "  %@ at the searched scale: %d boxes, ABO %.4f, recall@0.5 %.4f, @0.7 %.4f", name,
                         overlaps.count, overlaps.reduce(0, +) / n,
                         Float(overlaps.filter { $0 >= 0.5 }.count) / n, Float(overlaps.filter { $0 >= 0.7 }.count) / n))
        }
        if json {
            print("{\"mode\": \"\(mode.rawValue)\", \"images\": \(images), "
                  + "\"seconds_per_image\": \(rounded(perImage, 6)), \"boxes_per_image\": \(rounded(boxesPerImage, 3)), "
                  + "\"recall_at_0_5\": \(rounded(Double(recall5), 6)), \"recall_at_0_7\": \(rounded(Double(recall7), 6)), "
                  + "\"mabo\": \(rounded(Double(mabo), 6))}")
        }
    }

    /// One image to search: where it is, the stem `--list` refers to, its boxes.
    struct Entry {
        var path: String
        var stem: String
        var objects: [AnnotatedObject]
    }

    /// The annotated images, sorted by stem, optionally restricted to `--list`.
    /// VOC files are read one by one, so a malformed file or a missing image is
    /// reported and skipped without losing the rest; the one-file formats
    /// (COCO, CSV) and YOLO folders are read whole and rejected whole.
    func annotatedImages() throws -> [Entry] {
        let annotationFormat = AnnotationFormat(rawValue: format.lowercased())!
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
                    FileHandle.standardError.write(Data("skipping \(error)\n".utf8))
                }
            }
        } else {
            let set = try annotationFormat.read(path: annotations, imagesDirectory: imagesDir)
            for warning in set.warnings { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
            for image in set.images {
                let stem = ((image.fileName as NSString).lastPathComponent as NSString).deletingPathExtension
                entries.append(Entry(path: image.path, stem: stem, objects: image.objects))
            }
            entries.sort { $0.stem < $1.stem }
        }
        if let list {
            guard let text = try? String(contentsOfFile: list, encoding: .utf8) else {
                throw BenchProposalsError.unreadable(path: list, reason: "cannot read the list")
            }
            let wanted = Set(text.split(whereSeparator: \.isNewline)
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
            entries = entries.filter { wanted.contains($0.stem) }
        }
        return entries
    }

    private func rounded(_ v: Double, _ places: Int) -> String {
        String(format: "%.\(places)f", v)
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
