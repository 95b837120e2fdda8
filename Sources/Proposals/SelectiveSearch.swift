import Boxes
import Imaging
import Parallelism

/// Selective search (Uijlings et al., IJCV 2013) with the strategies of the
/// R-CNN release: several hierarchical groupings, each from a graph
/// segmentation in one colour space with one set of similarity measures,
/// pooled and ranked by the paper's pseudo-random hierarchy rank.
public struct SelectiveSearch: Sendable {
    /// One hierarchy: its colour space, segmentation parameters and similarities.
    public struct Strategy: Sendable, Hashable, CustomStringConvertible {
        public var colorSpace: ColorSpace
        /// Felzenszwalb–Huttenlocher threshold constant.
        public var k: Float
        /// Segments smaller than this many pixels are merged into a neighbour.
        public var minSize: Int
        public var measures: SimilarityMeasures

        public init(colorSpace: ColorSpace, k: Float, minSize: Int, measures: SimilarityMeasures) {
            self.colorSpace = colorSpace
            self.k = k
            self.minSize = minSize
            self.measures = measures
        }

        public var description: String { "\(colorSpace) k=\(Int(k)) min=\(minSize) \(measures)" }
    }

    /// The paper's three configurations.
    public enum Mode: String, Sendable, CaseIterable {
        /// HSV, C+T+S+F, k = 100: one hierarchy.
        case single
        /// {HSV, Lab} x {C+T+S+F, T+S+F} x k in {50, 100}: 8 hierarchies.
        case fast
        /// {HSV, Lab, rgI, H, I} x {C+T+S+F, T+S+F, F, S} x k in {50, 100, 150, 300}: 80 hierarchies.
        case quality

        public var strategies: [Strategy] {
            let spaces: [ColorSpace], sets: [SimilarityMeasures], ks: [Float]
            switch self {
            case .single:
                spaces = [.hsv]; sets = [.all]; ks = [100]
            case .fast:
                spaces = [.hsv, .lab]; sets = [.all, [.texture, .size, .fill]]; ks = [50, 100]
            case .quality:
                spaces = [.hsv, .lab, .rgI, .hue, .intensity]; sets = SimilarityMeasures.qualitySets
                ks = [50, 100, 150, 300]
            }
            var out: [Strategy] = []
            for space in spaces {
                for k in ks {
                    for set in sets {
                        out.append(Strategy(colorSpace: space, k: k, minSize: Int(k), measures: set))
                    }
                }
            }
            return out
        }
    }

    public var strategies: [Strategy]
    /// Gaussian smoothing before segmentation.
    public var sigma: Float = 0.8
    /// Boxes whose width or height is below this many pixels of the input image
    /// are dropped. It is a property of the objects sought, so it is measured in
    /// the image's own pixels, not in those of the downscaled copy the search
    /// runs on (a 20 px object of a 1,000 px photo is 10 px at 500).
    public var minSide: Float = 20
    /// Keep at most this many of the best-ranked boxes; nil keeps all.
    public var maxBoxes: Int? = nil
    /// Shrink images whose longer side exceeds this before searching (boxes are
    /// mapped back to the input's pixels); nil searches at full size.
    public var maxSide: Int? = nil
    /// Seed of the random factor of the ranking: same seed, same order.
    public var seed: UInt64 = 1
    /// Oriented-derivative response that fills the last texture bin (see
    /// `PixelBins.defaultTextureRange`); nil scales by each image's largest response.
    public var textureRange: Float? = PixelBins.defaultTextureRange

    /// Changes whenever the same image and settings give different boxes, so
    /// stored proposals can tell they are stale.
    public static let revision = 2

    public init(strategies: [Strategy]) {
        self.strategies = strategies
    }

    public init(mode: Mode) {
        self.init(strategies: mode.strategies)
    }

    /// `image` shrunk so that its longer side is at most `maxSide` (area averaging),
    /// unchanged when it already fits.
    public static func downscaled(_ image: Image, maxSide: Int) -> Image {
        Downscale.fitting(image, maxSide: maxSide)
    }

    /// Object proposals for `image`, best-ranked first, in the image's pixels
    /// (0-based, x2/y2 exclusive), without duplicates.
    public func proposals(for image: Image) -> [Box] {
        let work = maxSide.map { Downscale.fitting(image, maxSide: $0) } ?? image
        let sx = Float(image.width) / Float(work.width)
        let sy = Float(image.height) / Float(work.height)
        let ranked = rankedBoxes(work, minSide: minSide / max(sx, sy))
        let scaled = sx != 1 || sy != 1
        return ranked.map { b in
            guard scaled else { return b }
            return Box(x1: b.x1 * sx, y1: b.y1 * sy,
                       x2: min(Float(image.width), b.x2 * sx), y2: min(Float(image.height), b.y2 * sy))
        }
    }

    /// All hierarchies of `image` (no downscale), pooled, ranked, filtered
    /// (sides under `minSide` pixels of `image`), deduplicated, capped.
    func rankedBoxes(_ image: Image, minSide: Float) -> [Box] {
        let hierarchies = self.hierarchies(image)
        // Rank = level counted from the top of its hierarchy (1 = whole image)
        // times a random number in (0, 1]: large regions come first on average,
        // yet every hierarchy contributes early, which diversifies the top.
        var rng = SeededGenerator(seed: seed)
        var candidates: [(priority: Double, box: (Int32, Int32, Int32, Int32))] = []
        candidates.reserveCapacity(hierarchies.reduce(0) { $0 + $1.count / 4 })
        for boxes in hierarchies {
            let count = boxes.count / 4
            for r in 0..<count {
                let level = Double(count - r)
                let box = (boxes[4 * r], boxes[4 * r + 1], boxes[4 * r + 2], boxes[4 * r + 3])
                candidates.append((level * (1 - rng.nextUniform()), box))   // random in (0, 1]
            }
        }
        candidates.sort { $0.priority < $1.priority }
        var seen = Set<UInt64>()
        var out: [Box] = []
        let minSide = Int32(max(0, minSide.rounded(.up)))
        let limit = maxBoxes ?? Int.max
        for c in candidates {
            if out.count >= limit { break }
            let (x1, y1, x2, y2) = c.box
            guard x2 - x1 >= minSide && y2 - y1 >= minSide else { continue }
            let key = UInt64(UInt16(truncatingIfNeeded: x1)) << 48 | UInt64(UInt16(truncatingIfNeeded: y1)) << 32
                | UInt64(UInt16(truncatingIfNeeded: x2)) << 16 | UInt64(UInt16(truncatingIfNeeded: y2))
            guard seen.insert(key).inserted else { continue }
            out.append(Box(x1: Float(x1), y1: Float(y1), x2: Float(x2), y2: Float(y2)))
        }
        return out
    }

    /// Region boxes (4 Int32 per region, creation order) of every strategy's
    /// hierarchy. Work shared between strategies is done once: the converted
    /// image, sorted edge list and pixel bins per colour space, the segmentation
    /// and region features per (colour space, k, min size). Each stage runs its
    /// independent jobs in parallel.
    func hierarchies(_ image: Image) -> [[Int32]] {
        let spaces = unique(strategies.map(\.colorSpace))
        let sigma = self.sigma, textureRange = self.textureRange
        let prepared: [(GraphSegmentation, PixelBins)] = Parallel.map(spaces.count) { i in
            let planes = spaces[i].convert(image)
            return (GraphSegmentation(planes, sigma: sigma), PixelBins(planes, textureRange: textureRange))
        }
        struct SegmentationKey: Hashable { var space: ColorSpace; var k: Float; var minSize: Int }
        let keys = unique(strategies.map { SegmentationKey(space: $0.colorSpace, k: $0.k, minSize: $0.minSize) })
        let features: [RegionFeatures] = Parallel.map(keys.count) { i in
            let (graph, bins) = prepared[spaces.firstIndex(of: keys[i].space)!]
            let segmentation = graph.segment(k: keys[i].k, minSize: keys[i].minSize)
            return RegionFeatures(segmentation, bins: bins)
        }
        let strategies = self.strategies
        return Parallel.map(strategies.count) { i in
            let s = strategies[i]
            let key = SegmentationKey(space: s.colorSpace, k: s.k, minSize: s.minSize)
            let hierarchy = HierarchicalGrouping.group(features[keys.firstIndex(of: key)!], measures: s.measures)
            return hierarchy.regions.boxes
        }
    }
}

/// Distinct elements in first-seen order.
private func unique<T: Hashable>(_ items: [T]) -> [T] {
    var seen = Set<T>()
    return items.filter { seen.insert($0).inserted }
}

