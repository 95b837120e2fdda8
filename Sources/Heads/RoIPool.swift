import Boxes
import NeuralNet
import Parallelism

/// RoI max pooling (Fast R-CNN, Girshick 2015, section 2.1): each RoI is
/// projected onto the feature map and divided into an `outputSize` grid of
/// sub-windows of about h/H x w/W cells; each output is the maximum over its
/// sub-window, per channel. The backward pass routes each gradient to the
/// arg-max cell.
///
/// Projection in our continuous coordinates: the RoI covers feature cells
/// floor(x1 * scale) ..< ceil(x2 * scale) (at least one cell), so a box that
/// touches a cell at all pools from it. (py-faster-rcnn rounds 1-based
/// inclusive coordinates instead; for boxes on cell boundaries both agree.)
public final class RoIPool {
    public let outputHeight: Int
    public let outputWidth: Int
    public let spatialScale: Float

    /// Where each output came from, for `backward`. Inference can switch this
    /// off: with 2,000 RoIs it is 100 MB written for nothing.
    public var recordsArgmax = true
    private var argmax: [Int32] = []
    private var inputShape: [Int] = []
    private var roiCount = 0

    public init(outputSize: Int = 7, spatialScale: Float) {
        precondition(outputSize > 0 && spatialScale > 0)
        self.outputHeight = outputSize
        self.outputWidth = outputSize
        self.spatialScale = spatialScale
    }

    /// Feature-map cell range (inclusive start, exclusive end) covered by a box side.
    @inline(__always)
    static func cellRange(_ lo: Float, _ hi: Float, scale: Float, limit: Int) -> (Int, Int) {
        var a = Int((lo * scale).rounded(.down))
        var b = Int((hi * scale).rounded(.up))
        a = min(max(a, 0), limit - 1)
        b = min(max(b, a + 1), limit)
        return (a, b)
    }

    /// - Parameters:
    ///   - features: [N, C, H, W]
    ///   - rois: boxes in input-image pixels with their batch index.
    /// - Returns: [R, C, outputHeight, outputWidth]
    /// Cells [lo, hi) of bin `p` of `bins` over `length` cells from `start`: floor
    /// of the start, ceiling of the end, so every bin holds at least one cell.
    @inline(__always)
    static func binRange(_ p: Int, of bins: Int, start: Int, length: Int) -> (Int, Int) {
        (start + (p * length) / bins, start + ((p + 1) * length + bins - 1) / bins)
    }

    public func forward(features: Tensor, rois: [RegionOfInterest]) throws -> Tensor {
        guard features.rank == 4 else {
            throw TensorError.shapeMismatch(operation: "RoIPool", expected: [-1, -1, -1, -1], got: features.shape)
        }
        let (n, c, h, w) = (features.shape[0], features.shape[1], features.shape[2], features.shape[3])
        for roi in rois where roi.imageIndex < 0 || roi.imageIndex >= n {
            throw TensorError.invalid("RoIPool: RoI refers to image \(roi.imageIndex) of a batch of \(n)")
        }
        let ph = outputHeight, pw = outputWidth
        let r = rois.count
        // Every element is written below; skipping the zero fill matters at this size.
        var output = Tensor(shape: [r, c, ph, pw],
                            data: [Float](unsafeUninitializedCapacity: r * c * ph * pw) { _, count in count = r * c * ph * pw })
        let record = recordsArgmax
        argmax = [Int32](repeating: -1, count: record ? r * c * ph * pw : 0)
        inputShape = features.shape
        roiCount = r
        if r == 0 { return output }
        let scale = spatialScale
        // A channel-last copy of the map: the maximum over a bin then sweeps
        // contiguous channels (vectorised selects) instead of one strided plane
        // per channel, which made this stage Fast R-CNN's slowest.
        let hw = h * w
        var channelLast = [Float](repeating: 0, count: n * hw * c)
        features.withUnsafeBufferPointer { fin in
            channelLast.withUnsafeMutableBufferPointer { hwc in
                let src = fin.baseAddress!, dst = hwc.baseAddress!
                Parallel.forEach(n * h, costPerItem: c * w) { job in
                    let img = job / h, y = job % h
                    for ch in 0..<c {
                        let row = src + (img * c + ch) * hw + y * w
                        let out = dst + (img * hw + y * w) * c + ch
                        for x in 0..<w { out[x * c] = row[x] }
                    }
                }
            }
        }
        if !record {
            // Inference: maxima only, a bin's channels contiguous while they are
            // reduced (vectorised), then written out channel-first in one pass per RoI.
            channelLast.withUnsafeBufferPointer { fin in
                output.withUnsafeMutableBufferPointer { out in
                    let fp = fin.baseAddress!, op = out.baseAddress!
                    let bins = ph * pw
                    // At least one cell per bin and channel; larger RoIs cost more.
                    Parallel.forEach(r, costPerItem: c * bins) { k in
                        let roi = rois[k]
                        let (xs, xe) = RoIPool.cellRange(roi.box.x1, roi.box.x2, scale: scale, limit: w)
                        let (ys, ye) = RoIPool.cellRange(roi.box.y1, roi.box.y2, scale: scale, limit: h)
                        withUnsafeTemporaryAllocation(of: Float.self, capacity: bins * c) { maxima in
                            let mp = maxima.baseAddress!
                            for py in 0..<ph {
                                let (y0, y1) = RoIPool.binRange(py, of: ph, start: ys, length: ye - ys)
                                for px in 0..<pw {
                                    let (x0, x1) = RoIPool.binRange(px, of: pw, start: xs, length: xe - xs)
                                    let bp = mp + (py * pw + px) * c
                                    // Every bin holds at least one cell (y1 > y0, x1 > x0).
                                    bp.update(from: fp + ((roi.imageIndex * h + y0) * w + x0) * c, count: c)
                                    for yy in y0..<y1 {
                                        for xx in x0..<x1 where yy != y0 || xx != x0 {
                                            let cell = fp + ((roi.imageIndex * h + yy) * w + xx) * c
                                            for ch in 0..<c { bp[ch] = max(bp[ch], cell[ch]) }
                                        }
                                    }
                                }
                            }
                            let dst = op + k * c * bins
                            for ch in 0..<c {
                                let row = dst + ch * bins
                                for b in 0..<bins { row[b] = mp[b * c + ch] }
                            }
                        }
                    }
                }
            }
            return output
        }
        channelLast.withUnsafeBufferPointer { fin in
            output.withUnsafeMutableBufferPointer { out in
                argmax.withUnsafeMutableBufferPointer { arg in
                    let fp = fin.baseAddress!, op = out.baseAddress!, ap = arg.baseAddress!
                    Parallel.forEach(r, costPerItem: c * ph * pw) { k in
                        let roi = rois[k]
                        let (xs, xe) = RoIPool.cellRange(roi.box.x1, roi.box.x2, scale: scale, limit: w)
                        let (ys, ye) = RoIPool.cellRange(roi.box.y1, roi.box.y2, scale: scale, limit: h)
                        withUnsafeTemporaryAllocation(of: Float.self, capacity: c) { best in
                            withUnsafeTemporaryAllocation(of: Int32.self, capacity: c) { index in
                                let bp = best.baseAddress!, ip = index.baseAddress!
                                for py in 0..<ph {
                                    let (y0, y1) = RoIPool.binRange(py, of: ph, start: ys, length: ye - ys)
                                    for px in 0..<pw {
                                        let (x0, x1) = RoIPool.binRange(px, of: pw, start: xs, length: xe - xs)
                                        for ch in 0..<c { bp[ch] = -Float.infinity; ip[ch] = -1 }
                                        // Scan order (row, then column) and a strict comparison keep
                                        // the first maximum, as the plane-by-plane loop did.
                                        for yy in y0..<y1 {
                                            for xx in x0..<x1 {
                                                let cell = fp + ((roi.imageIndex * h + yy) * w + xx) * c
                                                let position = Int32(yy * w + xx)
                                                for ch in 0..<c {
                                                    let v = cell[ch], b = bp[ch]
                                                    let better = v > b
                                                    bp[ch] = better ? v : b
                                                    ip[ch] = better ? position : ip[ch]
                                                }
                                            }
                                        }
                                        for ch in 0..<c {
                                            let o = ((k * c + ch) * ph + py) * pw + px
                                            op[o] = ip[ch] >= 0 ? bp[ch] : 0
                                            ap[o] = ip[ch]
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    /// Gradient w.r.t. the features of the last `forward`.
    public func backward(_ gradOutput: Tensor, rois: [RegionOfInterest]) throws -> Tensor {
        let ph = outputHeight, pw = outputWidth
        guard inputShape.count == 4, rois.count == roiCount, argmax.count == roiCount * inputShape[1] * ph * pw else {
            throw TensorError.invalid("RoIPool.backward called without a matching forward that recorded its arg-max")
        }
        let c = inputShape[1], hw = inputShape[2] * inputShape[3]
        try gradOutput.checkShape([roiCount, c, ph, pw], "RoIPool.backward")
        var gradInput = Tensor(zeros: inputShape)
        let r = roiCount
        gradOutput.withUnsafeBufferPointer { g in
            gradInput.withUnsafeMutableBufferPointer { gi in
                argmax.withUnsafeBufferPointer { arg in
                    let gp = g.baseAddress!, gip = gi.baseAddress!, ap = arg.baseAddress!
                    // Parallel over channels: no two iterations write the same plane.
                    Parallel.forEach(c, costPerItem: r * ph * pw) { ch in
                        for k in 0..<r {
                            let plane = gip + (rois[k].imageIndex * c + ch) * hw
                            let base = (k * c + ch) * ph * pw
                            for o in 0..<(ph * pw) {
                                let a = ap[base + o]
                                if a >= 0 { plane[Int(a)] += gp[base + o] }
                            }
                        }
                    }
                }
            }
        }
        return gradInput
    }
}
