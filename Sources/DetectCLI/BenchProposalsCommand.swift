import ArgumentParser
import Boxes
import Dispatch
import Foundation
import Imaging
import Proposals

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

    @Option(help: "Folder of annotation files, one per image with the same stem.")
    public var annotations: String

    @Option(help: "Annotation format (voc: Pascal VOC XML, 1-based inclusive pixel boxes).")
    public var format: String = "voc"

    @Option(help: "Selective search mode: single, fast or quality.")
    public var mode: SelectiveSearch.Mode = .fast

    @Option(help: "Downscale images so the longer side is at most this many pixels (0: never).")
    public var maxSide: Int = 500

    @Option(help: "Drop proposals whose width or height is below this many pixels (after downscaling).")
    public var minSide: Float = 20

    @Option(help: "Keep at most this many best-ranked proposals per image (0: all).")
    public var maxBoxes: Int = 2000

    @Option(help: "Seed of the pseudo-random ranking.")
    public var seed: UInt64 = 1

    @Option(help: "Only the images whose stems are listed in this file, one per line (e.g. a VOC split).")
    public var list: String?

    @Flag(help: "Print per-image figures.")
    public var verbose = false

    @Flag(help: "End with one JSON line: mode, images, seconds_per_image, boxes_per_image, recall_at_0_5, recall_at_0_7, mabo.")
    public var json = false

    public init() {}

    public func validate() throws {
        guard format.lowercased() == "voc" else {
            throw ValidationError("unsupported --format '\(format)': only 'voc' is supported")
        }
        guard maxSide >= 0 else { throw ValidationError("--max-side must be 0 or positive") }
        guard maxBoxes >= 0 else { throw ValidationError("--max-boxes must be 0 or positive") }
    }

    public func run() throws {
        let stems = try annotatedStems()
        var search = SelectiveSearch(mode: mode)
        search.minSide = minSide
        search.maxBoxes = maxBoxes > 0 ? maxBoxes : nil
        search.seed = seed

        var seconds = 0.0, cpuSeconds = 0.0, boxCount = 0, images = 0
        var bestOverlaps: [(label: String, iou: Float)] = []
        for stem in stems {
            let xmlPath = (annotations as NSString).appendingPathComponent(stem + ".xml")
            let annotation = try VOCAnnotation.read(path: xmlPath)
            let imagePath = (imagesDir as NSString).appendingPathComponent(
                annotation.filename ?? stem + ".jpg")
            let image: Image
            do { image = try JPEG.decode(path: imagePath) } catch {
                FileHandle.standardError.write(Data("skipping \(stem): \(error)\n".utf8))
                continue
            }
            let small = maxSide > 0 ? SelectiveSearch.downscaled(image, maxSide: maxSide) : image
            let sx = Float(small.width) / Float(image.width), sy = Float(small.height) / Float(image.height)
            let start = DispatchTime.now().uptimeNanoseconds
            let cpuStart = clock()
            let proposals = search.proposals(for: small)
            cpuSeconds += Double(clock() - cpuStart) / Double(CLOCKS_PER_SEC)
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            seconds += elapsed
            boxCount += proposals.count
            images += 1
            var hits = 0
            for object in annotation.objects {
                let gt = Box(x1: object.box.x1 * sx, y1: object.box.y1 * sy,
                             x2: object.box.x2 * sx, y2: object.box.y2 * sy)
                let best = proposals.reduce(Float(0)) { max($0, iou(gt, $1)) }
                bestOverlaps.append((object.label, best))
                if best >= 0.5 { hits += 1 }
            }
            if verbose && !json {
                print(String(format: "%@  %.3f s  %d boxes  recall@0.5 %d/%d",
                             stem, elapsed, proposals.count, hits, annotation.objects.count))
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
        if json {
            print("{\"mode\": \"\(mode.rawValue)\", \"images\": \(images), "
                  + "\"seconds_per_image\": \(rounded(perImage, 6)), \"boxes_per_image\": \(rounded(boxesPerImage, 3)), "
                  + "\"recall_at_0_5\": \(rounded(Double(recall5), 6)), \"recall_at_0_7\": \(rounded(Double(recall7), 6)), "
                  + "\"mabo\": \(rounded(Double(mabo), 6))}")
        }
    }

    /// Stems with an annotation file, sorted, optionally restricted to `--list`.
    private func annotatedStems() throws -> [String] {
        let files: [String]
        do { files = try FileManager.default.contentsOfDirectory(atPath: annotations) } catch {
            throw BenchProposalsError.unreadable(path: annotations, reason: "cannot list the folder")
        }
        var stems = files.filter { $0.lowercased().hasSuffix(".xml") }.map { String($0.dropLast(4)) }.sorted()
        if let list {
            guard let text = try? String(contentsOfFile: list, encoding: .utf8) else {
                throw BenchProposalsError.unreadable(path: list, reason: "cannot read the list")
            }
            let wanted = Set(text.split(whereSeparator: \.isNewline)
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
            stems = stems.filter { wanted.contains($0) }
        }
        return stems
    }

    private func iou(_ a: Box, _ b: Box) -> Float {
        let w = min(a.x2, b.x2) - max(a.x1, b.x1)
        let h = min(a.y2, b.y2) - max(a.y1, b.y1)
        guard w > 0, h > 0 else { return 0 }
        let inter = w * h
        return inter / (a.area + b.area - inter)
    }

    private func rounded(_ v: Double, _ places: Int) -> String {
        String(format: "%.\(places)f", v)
    }
}

/// Errors of `detect bench proposals`, naming the file at fault.
public enum BenchProposalsError: Error, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case badAnnotation(path: String, reason: String)
    case noImages(imagesDir: String, annotationsDir: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "\(path): \(reason)"
        case let .badAnnotation(path, reason): return "\(path): invalid VOC annotation: \(reason)"
        case let .noImages(images, annotations):
            return "no annotated images found: \(annotations) has no annotation file whose image is in \(images)"
        }
    }
}

/// The few fields of a Pascal VOC annotation the benchmark needs, read with a
/// minimal tag scanner (VOC files are flat and machine-written).
struct VOCAnnotation {
    struct Object { var label: String; var box: Box }
    var filename: String?
    var objects: [Object]

    static func read(path: String) throws -> VOCAnnotation {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw BenchProposalsError.unreadable(path: path, reason: "cannot read file")
        }
        return try parse(text, path: path)
    }

    static func parse(_ text: String, path: String) throws -> VOCAnnotation {
        guard text.contains("<annotation") else {
            throw BenchProposalsError.badAnnotation(path: path, reason: "no <annotation> element")
        }
        var objects: [Object] = []
        for chunk in blocks("object", in: text[...]) {
            guard let name = value("name", in: chunk), let bndbox = blocks("bndbox", in: chunk).first else {
                throw BenchProposalsError.badAnnotation(path: path, reason: "object without <name> or <bndbox>")
            }
            var c: [Float] = []
            for tag in ["xmin", "ymin", "xmax", "ymax"] {
                guard let s = value(tag, in: bndbox), let v = Float(s) else {
                    throw BenchProposalsError.badAnnotation(path: path, reason: "object '\(name)' has no numeric <\(tag)>")
                }
                c.append(v)
            }
            guard c[2] >= c[0], c[3] >= c[1] else {
                throw BenchProposalsError.badAnnotation(path: path, reason: "object '\(name)' has xmax < xmin or ymax < ymin")
            }
            // VOC is 1-based inclusive: pixel columns xmin...xmax are x1 = xmin - 1, x2 = xmax.
            objects.append(Object(label: name, box: Box(x1: c[0] - 1, y1: c[1] - 1, x2: c[2], y2: c[3])))
        }
        return VOCAnnotation(filename: value("filename", in: text), objects: objects)
    }

    /// Contents of every `<tag>...</tag>` in `text`.
    private static func blocks(_ tag: String, in text: Substring) -> [Substring] {
        var out: [Substring] = []
        var rest = text
        while let open = rest.range(of: "<\(tag)>"), let close = rest.range(of: "</\(tag)>", range: open.upperBound..<rest.endIndex) {
            out.append(rest[open.upperBound..<close.lowerBound])
            rest = rest[close.upperBound...]
        }
        return out
    }

    private static func value(_ tag: String, in text: Substring) -> String? {
        blocks(tag, in: text).first.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    private static func value(_ tag: String, in text: String) -> String? {
        value(tag, in: text[...])
    }
}
