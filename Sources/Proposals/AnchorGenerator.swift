import Boxes
import NeuralNet

/// The reference boxes of a region proposal network: at every cell of a
/// feature map of stride `stride`, one anchor per (aspect ratio, size) pair.
///
/// Shapes. An anchor of size `s` and aspect ratio `r = height / width` has width
/// `s / √r` and height `s · √r`, so every ratio keeps the area `s²`. The values
/// are not rounded to whole pixels (torchvision and py-faster-rcnn round): our
/// boxes are continuous, and rounding only changes anchors by under a pixel.
///
/// Centres. The anchors of cell `(x, y)` are centred at
/// `((x + centerOffset) · stride, (y + centerOffset) · stride)`, by default the
/// middle of the cell (`centerOffset = 0.5`). In our continuous coordinates cell
/// x of a stride-16 map covers input pixels [16x, 16x + 16), and that is where a
/// VGG/ResNet feature's receptive field is centred and where RoI pooling (scale
/// 1/16) puts the cell; py-faster-rcnn's base anchor (0, 0, 15, 15), centre 7.5
/// in 1-based-inclusive pixel indices, is the same point, 8 = stride/2.
/// torchvision instead centres anchors on the cell's top-left corner, x·stride,
/// half a cell up and left; set `centerOffset = 0` to reproduce its anchors, for
/// instance with an RPN trained by torchvision.
///
/// Order. Anchors are laid out location-major, row by row (y, then x), and
/// within a location ratio-major then size: index
/// `((y · W + x) · A + r · sizes.count + s)` with `A = anchorsPerLocation`. That
/// is torchvision's order, and the one the RPN head's outputs are flattened to
/// (`flattenObjectness`, `flattenDeltas`).
public struct AnchorGenerator: Sendable, Equatable {
    /// Square root of each anchor's area, in input pixels.
    public var sizes: [Float]
    /// Height / width of each anchor shape.
    public var aspectRatios: [Float]
    /// Input pixels per feature-map cell.
    public var stride: Float
    /// Where in its cell an anchor is centred, as a fraction of the stride.
    public var centerOffset: Float

    /// Defaults are Faster R-CNN's VGG16 setting: 3 sizes × 3 ratios at stride 16.
    public init(sizes: [Float] = [128, 256, 512], aspectRatios: [Float] = [0.5, 1, 2],
                stride: Float = 16, centerOffset: Float = 0.5) throws {
        guard !sizes.isEmpty, sizes.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw RPNError.invalidParameter("AnchorGenerator: sizes must be positive, got \(sizes)")
        }
        guard !aspectRatios.isEmpty, aspectRatios.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw RPNError.invalidParameter("AnchorGenerator: aspect ratios must be positive, got \(aspectRatios)")
        }
        guard stride > 0, stride.isFinite, centerOffset.isFinite else {
            throw RPNError.invalidParameter("AnchorGenerator: stride \(stride), center offset \(centerOffset)")
        }
        self.sizes = sizes
        self.aspectRatios = aspectRatios
        self.stride = stride
        self.centerOffset = centerOffset
    }

    /// One generator per feature map of a pyramid, finest first: `sizes` split
    /// over the maps in order, the same number on each (the FPN paper's one size
    /// per level, or several), every map with all the aspect ratios.
    public static func levels(sizes: [Float], aspectRatios: [Float], strides: [Int]) throws -> [AnchorGenerator] {
        guard !strides.isEmpty, sizes.count % strides.count == 0, sizes.count >= strides.count else {
            throw RPNError.invalidParameter("anchor sizes: \(sizes.count) sizes do not split over \(strides.count) feature maps")
        }
        let perLevel = sizes.count / strides.count
        return try strides.enumerated().map { l, stride in
            try AnchorGenerator(sizes: Array(sizes[(l * perLevel)..<((l + 1) * perLevel)]), aspectRatios: aspectRatios,
                                stride: Float(stride))
        }
    }

    /// Anchors at each feature-map location (`A` in the papers).
    public var anchorsPerLocation: Int { sizes.count * aspectRatios.count }

    /// The anchors of one location, centred on (0, 0), in layout order.
    public var cellAnchors: [Box] {
        var out: [Box] = []
        out.reserveCapacity(anchorsPerLocation)
        for r in aspectRatios {
            let hRatio = r.squareRoot()
            for s in sizes {
                let halfW = 0.5 * s / hRatio, halfH = 0.5 * s * hRatio
                out.append(Box(x1: -halfW, y1: -halfH, x2: halfW, y2: halfH))
            }
        }
        return out
    }

    /// All anchors of a `height × width` feature map, `height · width · A` boxes.
    public func anchors(featureHeight height: Int, featureWidth width: Int) -> [Box] {
        let base = cellAnchors
        let a = base.count
        let count = max(0, height) * max(0, width) * a
        guard count > 0 else { return [] }
        return [Box](unsafeUninitializedCapacity: count) { out, initialised in
            base.withUnsafeBufferPointer { bp in
                var k = 0
                for y in 0..<height {
                    let cy = (Float(y) + centerOffset) * stride
                    for x in 0..<width {
                        let cx = (Float(x) + centerOffset) * stride
                        for i in 0..<a {
                            let b = bp[i]
                            (out.baseAddress! + k).initialize(
                                to: Box(x1: b.x1 + cx, y1: b.y1 + cy, x2: b.x2 + cx, y2: b.y2 + cy))
                            k += 1
                        }
                    }
                }
            }
            initialised = count
        }
    }

    /// Anchors for a feature map tensor `[N, C, H, W]` (every image of a batch
    /// shares them).
    public func anchors(for featureMap: Tensor) throws -> [Box] {
        guard featureMap.rank == 4 else {
            throw RPNError.shapeMismatch(stage: "anchors", what: "feature map",
                                         expected: [-1, -1, -1, -1], got: featureMap.shape)
        }
        return anchors(featureHeight: featureMap.shape[2], featureWidth: featureMap.shape[3])
    }

    /// Image `n`'s objectness logits from the RPN head's `[N, A, H, W]` output,
    /// in anchor order (`H · W · A` values).
    public func flattenObjectness(_ logits: Tensor, image n: Int = 0) throws -> [Float] {
        try flatten(logits, valuesPerAnchor: 1, image: n, what: "objectness")
    }

    /// Image `n`'s box deltas from the RPN head's `[N, 4A, H, W]` output (channel
    /// `4a + k` holds coordinate k of anchor shape a, as in torchvision), in
    /// anchor order: `H · W · A × 4` values.
    public func flattenDeltas(_ deltas: Tensor, image n: Int = 0) throws -> [Float] {
        try flatten(deltas, valuesPerAnchor: 4, image: n, what: "box deltas")
    }

    /// The inverse of `flattenObjectness`/`flattenDeltas` for one image: values in
    /// anchor order back to the head's `[C = valuesPerAnchor · A, H, W]` layout,
    /// e.g. to hand a loss gradient to the head's backward pass.
    public func unflatten(_ values: [Float], valuesPerAnchor c: Int,
                          featureHeight h: Int, featureWidth w: Int) throws -> [Float] {
        let a = anchorsPerLocation
        guard values.count == h * w * a * c else {
            throw RPNError.sizeMismatch(stage: "unflatten", what: "anchor values",
                                        expected: h * w * a * c, got: values.count)
        }
        var out = [Float](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for ch in 0..<(a * c) {
                    // channel ch = anchorShape · c + k; anchor-order offset of
                    // location p is (p · a + anchorShape) · c + k.
                    let shape = ch / c, k = ch % c
                    for p in 0..<(h * w) { dst[ch * h * w + p] = src[(p * a + shape) * c + k] }
                }
            }
        }
        return out
    }

    private func flatten(_ t: Tensor, valuesPerAnchor c: Int, image n: Int, what: String) throws -> [Float] {
        let a = anchorsPerLocation
        guard t.rank == 4, t.shape[1] == a * c, n >= 0, n < t.shape[0] else {
            throw RPNError.shapeMismatch(stage: "flatten \(what)", what: what,
                                         expected: [max(n + 1, t.rank == 4 ? t.shape[0] : 1), a * c, -1, -1],
                                         got: t.shape)
        }
        let h = t.shape[2], w = t.shape[3], plane = h * w
        var out = [Float](repeating: 0, count: plane * a * c)
        t.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let image = src.baseAddress! + n * a * c * plane
                for ch in 0..<(a * c) {
                    let shape = ch / c, k = ch % c
                    let channel = image + ch * plane
                    for p in 0..<plane { dst[(p * a + shape) * c + k] = channel[p] }
                }
            }
        }
        return out
    }
}
