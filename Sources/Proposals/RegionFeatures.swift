/// What hierarchical grouping needs to know about each region: its size in
/// pixels, its bounding box, its L1-normalised colour and texture histograms,
/// and which regions touch it (8-neighbourhood).
public struct RegionFeatures: Sendable {
    /// Pixels in the whole image (the denominator of the size and fill similarities).
    public let imageSize: Float
    public let colourDimensions: Int
    public let textureDimensions: Int
    /// Pixel count per region.
    public var sizes: [Float]
    /// Bounding boxes, 4 values per region: x1, y1, x2, y2 (0-based, x2/y2 exclusive).
    public var boxes: [Int32]
    /// `count * colourDimensions` values, each region's histogram summing to 1.
    public var colour: [Float]
    /// `count * textureDimensions` values, each region's histogram summing to 1.
    public var texture: [Float]
    /// Adjacent region pairs (a < b), each once.
    public var neighbours: [(Int32, Int32)]

    public var count: Int { sizes.count }

    public init(imageSize: Float, colourDimensions: Int, textureDimensions: Int, sizes: [Float],
                boxes: [Int32], colour: [Float], texture: [Float], neighbours: [(Int32, Int32)]) {
        precondition(boxes.count == 4 * sizes.count && colour.count == colourDimensions * sizes.count
                     && texture.count == textureDimensions * sizes.count, "inconsistent region features")
        self.imageSize = imageSize
        self.colourDimensions = colourDimensions
        self.textureDimensions = textureDimensions
        self.sizes = sizes
        self.boxes = boxes
        self.colour = colour
        self.texture = texture
        self.neighbours = neighbours
    }

    /// Measures the regions of `segmentation` with the per-pixel bins of the same image.
    public init(_ segmentation: Segmentation, bins: PixelBins) {
        precondition(segmentation.width == bins.width && segmentation.height == bins.height,
                     "segmentation and bins of different images")
        let w = segmentation.width, h = segmentation.height, n = w * h
        let count = segmentation.regionCount
        let cd = bins.colourDimensions, td = bins.textureDimensions
        var sizes = [Float](repeating: 0, count: count)
        var boxes = [Int32](repeating: 0, count: 4 * count)
        var colour = [Float](repeating: 0, count: count * cd)
        var texture = [Float](repeating: 0, count: count * td)
        var pairs: [UInt64] = []
        pairs.reserveCapacity(n / 8)
        segmentation.labels.withUnsafeBufferPointer { lb in
            let labels = lb.baseAddress!
            sizes.withUnsafeMutableBufferPointer { sb in
            boxes.withUnsafeMutableBufferPointer { bb in
                for r in 0..<count {
                    bb[4 * r] = Int32.max; bb[4 * r + 1] = Int32.max
                    bb[4 * r + 2] = Int32.min; bb[4 * r + 3] = Int32.min
                }
                var last: UInt64 = .max
                @inline(__always) func touch(_ a: Int32, _ b: Int32) {
                    let key = a < b ? UInt64(a) << 32 | UInt64(b) : UInt64(b) << 32 | UInt64(a)
                    // Boundaries run along rows, so most repeats are consecutive.
                    if key != last { pairs.append(key); last = key }
                }
                for y in 0..<h {
                    for x in 0..<w {
                        let p = y * w + x
                        let l = labels[p]
                        let r = Int(l)
                        sb[r] += 1
                        bb[4 * r] = min(bb[4 * r], Int32(x))
                        bb[4 * r + 1] = min(bb[4 * r + 1], Int32(y))
                        bb[4 * r + 2] = max(bb[4 * r + 2], Int32(x + 1))
                        bb[4 * r + 3] = max(bb[4 * r + 3], Int32(y + 1))
                        if x + 1 < w, labels[p + 1] != l { touch(l, labels[p + 1]) }
                        if y + 1 < h {
                            if labels[p + w] != l { touch(l, labels[p + w]) }
                            if x + 1 < w, labels[p + w + 1] != l { touch(l, labels[p + w + 1]) }
                            if x > 0, labels[p + w - 1] != l { touch(l, labels[p + w - 1]) }
                        }
                    }
                }
            }}
            bins.colour.withUnsafeBufferPointer { cb in
            colour.withUnsafeMutableBufferPointer { hb in
                let hist = hb.baseAddress!
                for c in 0..<bins.channels {
                    let plane = cb.baseAddress! + c * n
                    let offset = c * PixelBins.colourBins
                    for p in 0..<n { hist[Int(labels[p]) * cd + offset + Int(plane[p])] += 1 }
                }
            }}
            bins.texture.withUnsafeBufferPointer { tb in
            texture.withUnsafeMutableBufferPointer { hb in
                let hist = hb.baseAddress!
                // Bin 0 holds at least half of all counts (one of two opposite
                // orientations is always 0), so it is not counted but filled in
                // afterwards as the region's size minus the other bins.
                for plane in 0..<(bins.channels * PixelBins.orientations) {
                    let codes = tb.baseAddress! + plane * n
                    let offset = plane * PixelBins.textureBins
                    for p in 0..<n where codes[p] != 0 {
                        hist[Int(labels[p]) * td + offset + Int(codes[p])] += 1
                    }
                }
                sizes.withUnsafeBufferPointer { sb in
                    for r in 0..<count {
                        for plane in 0..<(bins.channels * PixelBins.orientations) {
                            let h = hist + r * td + plane * PixelBins.textureBins
                            var rest: Float = 0
                            for b in 1..<PixelBins.textureBins { rest += h[b] }
                            h[0] = sb[r] - rest
                        }
                    }
                }
            }}
        }
        // Counts to L1-normalised histograms: each pixel adds one count per channel
        // (colour) or per channel and orientation (texture).
        let channels = Float(bins.channels), planes = Float(bins.channels * PixelBins.orientations)
        sizes.withUnsafeBufferPointer { sb in
        colour.withUnsafeMutableBufferPointer { cb in
        texture.withUnsafeMutableBufferPointer { tb in
            for r in 0..<count where sb[r] > 0 {
                let cs = 1 / (sb[r] * channels), ts = 1 / (sb[r] * planes)
                for i in 0..<cd { cb[r * cd + i] *= cs }
                for i in 0..<td { tb[r * td + i] *= ts }
            }
        }}}
        pairs.sort()
        var neighbours: [(Int32, Int32)] = []
        neighbours.reserveCapacity(pairs.count)
        var previous: UInt64 = .max
        for key in pairs where key != previous {
            neighbours.append((Int32(truncatingIfNeeded: key >> 32), Int32(truncatingIfNeeded: key & 0xFFFF_FFFF)))
            previous = key
        }
        self.init(imageSize: Float(n), colourDimensions: cd, textureDimensions: td, sizes: sizes,
                  boxes: boxes, colour: colour, texture: texture, neighbours: neighbours)
    }
}
