import Foundation
import Imaging

/// `detect bench imaging` as a library call: JPEG decode (full and half scale
/// in the DCT), encode, bilinear resize and R-CNN's region warp, each the
/// median of `repeats` runs.
public struct ImagingBenchmark {
    public var repeats: Int
    /// Regions to warp, their side and how many per reused buffer.
    public var regions: Int, size: Int, batch: Int

    public init(repeats: Int, regions: Int, size: Int, batch: Int) {
        self.repeats = repeats; self.regions = regions; self.size = size; self.batch = batch
    }

    public struct Figures: Sendable {
        public var images = 0
        public var firstWidth = 0, firstHeight = 0
        public var megapixels = 0.0
        public var decodeSeconds = 0.0, reducedSeconds = 0.0, encodeSeconds = 0.0, resizeSeconds = 0.0, warpSeconds = 0.0
        public var encodedBytes = 0
        public var resizedWidth = 0, resizedHeight = 0
    }

    public func run(folder: String) throws -> Figures {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { ["jpg", "jpeg"].contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
        guard !names.isEmpty else { throw WorkflowError.invalid("\(folder): no JPEG images") }
        let paths = names.map { (folder as NSString).appendingPathComponent($0) }
        let files = try paths.map { try JPEG.readFile($0) }
        var f = Figures()
        f.images = files.count
        let median = { (body: () throws -> Void) throws -> Double in try BenchSupport.medianSeconds(repeats: repeats, body) }
        f.decodeSeconds = try median {
            f.megapixels = 0
            for (data, path) in zip(files, paths) {
                let image = try JPEG.decode(data: data, path: path)
                f.megapixels += Double(image.width * image.height) / 1e6
            }
        }
        let first = try JPEG.decode(data: files[0], path: paths[0])
        (f.firstWidth, f.firstHeight) = (first.width, first.height)
        let halfSize = (width: (first.width + 1) / 2, height: (first.height + 1) / 2)
        f.reducedSeconds = try median {
            for (data, path) in zip(files, paths) { _ = try JPEG.decode(data: data, path: path, minimumSize: halfSize) }
        }
        let rounds = 20
        f.encodeSeconds = try median { for _ in 0..<rounds { f.encodedBytes = try JPEG.encode(first, quality: 90).count } } / Double(rounds)
        let scaled = first.resized(shorterSide: 600, maxLongerSide: 1000).image
        (f.resizedWidth, f.resizedHeight) = (scaled.width, scaled.height)
        f.resizeSeconds = try median { for _ in 0..<rounds { _ = first.resized(width: scaled.width, height: scaled.height) } } / Double(rounds)

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
        f.warpSeconds = try median {
            buffer.withUnsafeMutableBufferPointer { out in
                var start = 0
                while start < boxes.count {
                    let end = min(start + batch, boxes.count)
                    warp.warp(first, boxes: Array(boxes[start..<end]), into: out, subtract: mean)
                    start = end
                }
            }
        }
        return f
    }
}
